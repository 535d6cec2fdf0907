// `pixelforge enhance --remote <imageId>`: the same request as a local enhance, run by the platform as an
// EnhancementJob; follows its progress and downloads the result when `-o` is given.
import { createApiClient, type ApiClient } from '../../../internal/cli/client.ts';
import { UsageError } from '../../../internal/cli/command.ts';
import {
  downloadOutputTo,
  remoteEnhance,
  type RemoteEnhanceRequest,
  type RemoteJob,
} from '../../../internal/cli/remote-enhance.ts';
import { progressDisplay } from './enhance.ts';

export interface RemoteFlags {
  imageIds: string[];
  output?: string | undefined;
  request: Omit<RemoteEnhanceRequest, 'imageId'>;
  json: boolean;
  /** Follow the job to its end (default), or return once it is accepted. */
  wait?: boolean;
}

/** Runs the job on the server; exit 0 when it succeeded, 1 when it failed or was cancelled. */
export async function enhanceRemotely({
  imageIds,
  output,
  request,
  json,
  wait = true,
}: RemoteFlags): Promise<number> {
  if (imageIds.length !== 1)
    throw new UsageError('with --remote, give exactly one image id (see `pixelforge groups`)');
  const client = await createApiClient();
  if (!wait) {
    const accepted = await client.call<{ id: string; phase: string; url: string }>('/v1/enhancements', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imageId: imageIds[0], ...request }),
    });
    process.stdout.write(
      json
        ? `${JSON.stringify(accepted, null, 2)}\n`
        : `${accepted.id}  ${accepted.phase}: follow with \`pixelforge jobs show ${accepted.id}\`, fetch with -o FILE\n`,
    );
    return 0;
  }
  return runRemoteJob(client, { imageId: imageIds[0]!, ...request }, { output, json, unit: 'tiles' });
}

/** ", 0.4 s on cpu" for a finished job that says how it ran. */
const ranOn = (job: RemoteJob) =>
  job.durationMs == null
    ? ''
    : `, ${(job.durationMs / 1000).toFixed(1)} s${job.provider ? ` on ${job.provider}` : ''}`;

/**
 * Requests a job, shows its progress (a bar with the time left on a terminal) and prints where the result is,
 * streaming it into `output` when given. Exit 0 when it succeeded, 1 when it failed or was cancelled.
 */
export async function runRemoteJob(
  client: ApiClient,
  request: RemoteEnhanceRequest,
  { output, json, unit }: { output?: string | undefined; json: boolean; unit: string },
): Promise<number> {
  const progress = progressDisplay(process.stderr, unit);
  let job;
  try {
    job = await remoteEnhance(client, request, {
      onUpdate: (update) => {
        if (update.progress) progress.update(update.progress.done, update.progress.total);
        else if (!process.stderr.isTTY) process.stderr.write(`job ${update.id}: ${update.phase}\n`);
      },
    });
  } finally {
    progress.end();
  }
  if (job.phase !== 'Succeeded') {
    process.stderr.write(
      `job ${job.id} ${job.phase.toLowerCase()}: ${job.error?.reason ?? 'no reason given'}\n`,
    );
    return 1;
  }
  if (output) await downloadOutputTo(client, job, output);
  if (json) process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
  else
    process.stdout.write(
      `${output ?? client.baseUrl + job.outputUrl}  ${job.output?.width}×${job.output?.height} ${job.output?.contentType} (job ${job.id}${ranOn(job)})\n`,
    );
  return 0;
}
