// `pixelforge enhance --remote <imageId>`: the same request as a local enhance, run by the platform as an
// EnhancementJob; follows its progress and downloads the result when `-o` is given.
import { createApiClient, type ApiClient } from '../../../internal/cli/client.ts';
import { UsageError } from '../../../internal/cli/command.ts';
import {
  downloadOutputTo,
  remoteEnhance,
  type RemoteEnhanceRequest,
} from '../../../internal/cli/remote-enhance.ts';
import { progressDisplay } from './enhance.ts';

export interface RemoteFlags {
  imageIds: string[];
  output?: string | undefined;
  request: Omit<RemoteEnhanceRequest, 'imageId'>;
  json: boolean;
}

/** Runs the job on the server; exit 0 when it succeeded, 1 when it failed or was cancelled. */
export async function enhanceRemotely({ imageIds, output, request, json }: RemoteFlags): Promise<number> {
  if (imageIds.length !== 1)
    throw new UsageError('with --remote, give exactly one image id (see `pixelforge groups`)');
  return runRemoteJob(
    await createApiClient(),
    { imageId: imageIds[0]!, ...request },
    { output, json, unit: 'tiles' },
  );
}

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
      `${output ?? client.baseUrl + job.outputUrl}  ${job.output?.width}×${job.output?.height} ${job.output?.contentType} (job ${job.id})\n`,
    );
  return 0;
}
