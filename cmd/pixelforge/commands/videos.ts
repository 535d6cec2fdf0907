// `pixelforge videos`: videos over the HTTP API — upload, list, show, upscale on the server, delete.
import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createApiClient, tooLarge, uploadLimits } from '../../../internal/cli/client.ts';
import { UsageError, numberFlag, parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { runRemoteJob } from './enhance-remote.ts';

interface Video {
  id: string;
  filename: string;
  contentType: string;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  videoCodec: string;
  audio: { codec: string; channels: number }[];
  url: string;
  posterUrl: string | null;
  variants: { name: string; kind: string; url: string; width: number; height: number }[];
}

const describe = (v: Video) =>
  [
    v.id,
    `${v.width}×${v.height}`,
    `${v.fps.toFixed(3).replace(/\.?0+$/, '')} fps`,
    `${v.frameCount} frames`,
    `${v.durationSeconds.toFixed(1)} s`,
    v.videoCodec,
    v.audio.length ? v.audio.map((a) => `${a.codec} ${a.channels}ch`).join('+') : 'no audio',
    v.filename,
  ].join('  ');

export const command: Command = {
  name: 'videos',
  summary: 'upload, list, show, upscale or delete videos on the server',
  help: `Usage: pixelforge videos upload <file…> [--uploader NAME] [--tags a,b]
       pixelforge videos [list] [--limit N] [--cursor C] [--json]
       pixelforge videos show <id> [--json]
       pixelforge videos enhance <id> --model M [--scale N] [--codec h264|hevc] [--container mkv|mp4]
                                 [--crf N] [--preset P] [--segment-seconds S] [-o out.mkv] [--json]
       pixelforge videos delete <id>

upload      streams each file to the server, which probes it (MP4, MOV, MKV, WebM, AVI) before accepting it
enhance     runs an EnhancementJob on the server: every frame through the model, timing and audio kept;
            shows the frames done and the time left, and downloads the result with -o
Talks to PIXELFORGE_URL. To upscale a video file on this machine instead: pixelforge enhance in.mp4 -o out.mkv`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      uploader: { type: 'string' },
      tags: { type: 'string' },
      limit: { type: 'string', default: '20' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
      model: { type: 'string', short: 'm' },
      scale: { type: 'string' },
      codec: { type: 'string' },
      container: { type: 'string' },
      crf: { type: 'string' },
      preset: { type: 'string' },
      'segment-seconds': { type: 'string' },
      output: { type: 'string', short: 'o' },
    });
    if (!args) return 0;
    const [action = 'list', ...rest] = args.positionals;
    const client = await createApiClient();
    const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    const { values } = args;

    switch (action) {
      case 'upload': {
        if (rest.length === 0) throw new UsageError(`give at least one video file\n\n${this.help}`);
        const limits = await uploadLimits(client);
        let failed = 0;
        for (const path of rest) {
          try {
            const refusal = tooLarge((await stat(path)).size, limits?.maxVideoBytes);
            if (refusal) throw new Error(refusal);
            const form = new FormData();
            if (values.uploader) form.append('uploader', values.uploader);
            if (values.tags) form.append('tags', values.tags);
            form.append('file', await openAsBlob(path), basename(path));
            const video = await client.call<Video>('/v1/videos', { method: 'POST', body: form });
            process.stdout.write(`${path}\t${describe({ ...video, filename: '' }).trimEnd()}\n`);
          } catch (err) {
            failed++;
            process.stderr.write(`${path}\trefused: ${(err as Error).message}\n`);
          }
        }
        return failed ? 1 : 0;
      }
      case 'list': {
        const query = new URLSearchParams({
          limit: values.limit!,
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
        const page = await client.call<{ items: Video[]; nextCursor: string | null }>(`/v1/videos?${query}`);
        if (values.json) return (print(page), 0);
        for (const video of page.items) process.stdout.write(`${describe(video)}\n`);
        if (page.nextCursor)
          process.stdout.write(`more: pixelforge videos --cursor ${encodeURIComponent(page.nextCursor)}\n`);
        return 0;
      }
      case 'show': {
        const video = await client.call<Video>(`/v1/videos/${encodeURIComponent(needId(rest, this.help))}`);
        if (values.json) return (print(video), 0);
        process.stdout.write(`${describe(video)}\n  bytes   ${client.baseUrl}${video.url}\n`);
        if (video.posterUrl) process.stdout.write(`  poster  ${client.baseUrl}${video.posterUrl}\n`);
        for (const v of video.variants.filter((v) => v.kind === 'enhanced'))
          process.stdout.write(`  ${v.width}×${v.height}  ${client.baseUrl}${v.url}\n`);
        return 0;
      }
      case 'delete': {
        const id = needId(rest, this.help);
        await client.call(`/v1/videos/${encodeURIComponent(id)}`, { method: 'DELETE' });
        process.stdout.write(`video ${id} deleted\n`);
        return 0;
      }
      case 'enhance': {
        const videoId = needId(rest, this.help);
        if (!values.model)
          throw new UsageError(`--model is required (see \`pixelforge models\`)\n\n${this.help}`);
        const video = {
          ...(values.codec ? { codec: values.codec } : {}),
          ...(values.container ? { container: values.container } : {}),
          ...(values.crf ? { crf: numberFlag('crf', values.crf, 0, 51)! } : {}),
          ...(values.preset ? { preset: values.preset } : {}),
          ...(values['segment-seconds']
            ? { segmentSeconds: numberFlag('segment-seconds', values['segment-seconds'], 1, 600, false)! }
            : {}),
        };
        const scale = numberFlag('scale', values.scale, 1, 8);
        return runRemoteJob(
          client,
          { videoId, model: values.model, ...(scale ? { scale } : {}), video },
          { output: values.output, json: values.json ?? false, unit: 'frames' },
        );
      }
      default:
        throw new UsageError(`unknown action ${JSON.stringify(action)}\n\n${this.help}`);
    }
  },
};

function needId(rest: string[], help: string): string {
  if (!rest[0]) throw new UsageError(`give a video id (see \`pixelforge videos\`)\n\n${help}`);
  return rest[0];
}
