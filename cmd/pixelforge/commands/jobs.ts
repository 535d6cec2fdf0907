// `pixelforge jobs`: enhancement jobs over the HTTP API — list them, show one, follow one, cancel one.
import { createApiClient } from '../../../internal/cli/client.ts';
import { UsageError, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { downloadOutputTo, type RemoteJob } from '../../../internal/cli/remote-enhance.ts';
import { ErrorCode, PixelforgeError } from '../../../internal/errors/errors.ts';

interface JobPage {
  items: (RemoteJob & {
    imageId: string | null;
    videoId: string | null;
    model: string | null;
    createdAt: string;
  })[];
  next: string | null;
}

const describe = (job: RemoteJob) => {
  const progress = job.progress ? ` ${job.progress.done}/${job.progress.total} ${job.progress.unit}` : '';
  const error = job.error ? `  ${job.error.code}: ${job.error.reason}` : '';
  const output = job.outputUrl ? `  ${job.outputUrl}` : '';
  return `${job.id}  ${job.phase.padEnd(9)}${progress}${output}${error}`;
};

export const command: Command = {
  name: 'jobs',
  summary: 'list, show, follow or cancel enhancement jobs',
  help: `Usage: pixelforge jobs [--phase P] [--image ID | --video ID] [--limit N] [--cursor C] [--json]
       pixelforge jobs show <id> [-o FILE] [--json]   -o: download a finished job's result
       pixelforge jobs watch <id>      follow a job until it ends (exit 1 unless it succeeded)
       pixelforge jobs cancel <id>

Phases: Pending, Scheduled, Running, Succeeded, Failed, Cancelled. Talks to PIXELFORGE_URL.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      phase: { type: 'string' },
      image: { type: 'string' },
      video: { type: 'string' },
      limit: { type: 'string', default: '50' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    });
    if (!args) return 0;
    const client = await createApiClient();
    const [action, id] = args.positionals;
    const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

    if (action === undefined) {
      const { phase, image, video, limit, cursor } = args.values;
      const query = new URLSearchParams({
        limit: limit!,
        ...(phase ? { phase } : {}),
        ...(image ? { imageId: image } : {}),
        ...(video ? { videoId: video } : {}),
        ...(cursor ? { cursor } : {}),
      });
      const page = await client.call<JobPage>(`/v1/enhancements?${query}`);
      if (args.values.json) return (print(page), 0);
      for (const job of page.items)
        process.stdout.write(`${describe(job)}  ${job.model ?? ''} ${job.imageId ?? job.videoId ?? ''}\n`);
      if (page.next) process.stdout.write(`more: pixelforge jobs --cursor ${page.next}\n`);
      return 0;
    }
    if (!id) throw new UsageError(`pixelforge jobs ${action} needs a job id\n\n${this.help}`);
    switch (action) {
      case 'show': {
        const job = await client.call<RemoteJob>(`/v1/enhancements/${encodeURIComponent(id)}`);
        if (args.values.json) print(job);
        else process.stdout.write(`${describe(job)}\n`);
        if (!args.values.output) return 0;
        if (job.phase !== 'Succeeded')
          throw new PixelforgeError(
            ErrorCode.Conflict,
            `job ${id} is ${job.phase}: there is no result to download yet`,
          );
        await downloadOutputTo(client, job, args.values.output);
        if (!args.values.json)
          process.stdout.write(`${args.values.output}  ${job.output?.width}×${job.output?.height}\n`);
        return 0;
      }
      case 'watch': {
        let job = await client.call<RemoteJob>(`/v1/enhancements/${encodeURIComponent(id)}`);
        process.stdout.write(`${describe(job)}\n`);
        while (!['Succeeded', 'Failed', 'Cancelled'].includes(job.phase)) {
          await new Promise((r) => setTimeout(r, 500));
          const next = await client.call<RemoteJob>(`/v1/enhancements/${encodeURIComponent(id)}`);
          if (describe(next) !== describe(job)) process.stdout.write(`${describe(next)}\n`);
          job = next;
        }
        return job.phase === 'Succeeded' ? 0 : 1;
      }
      case 'cancel':
        await client.call(`/v1/enhancements/${encodeURIComponent(id)}`, { method: 'DELETE' });
        process.stdout.write(`cancellation of ${id} requested\n`);
        return 0;
      default:
        throw new UsageError(`unknown action ${JSON.stringify(action)}\n\n${this.help}`);
    }
  },
};
