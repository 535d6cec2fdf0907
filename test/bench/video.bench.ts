// `npm run bench -- video`: the video pipeline's cost, measured against baselines run on the same clip in the
// same run (the machines are shared and noisy: only the ratios mean anything).
//   video:overhead  the pipe (decode → identity transform → encode → timestamps) vs plain ffmpeg -c:v libx264
//   video:png       the old service's way (every frame a PNG on disk, upscale, PNGs back) vs the pipe, same
//                   model: time and disk; and the pipe's frames/s and the share of its time spent in inference
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { upscaleVideo } from '../../internal/adapters/ffmpeg/video-pipeline.ts';
import { loadConfig } from '../../internal/config/config.ts';
import { enhancerFromConfig } from '../../internal/wiring/enhancer.ts';
import { percentile, ratio, table } from './load-stats.ts';

const run = promisify(execFile);
const MODELS_DIR = path.resolve(import.meta.dirname, '../../models');

async function clip(file: string, size: string, seconds: number): Promise<void> {
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25`],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-shortest', file],
  ]);
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

/** Bytes under `dir`, recursively. */
async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    total += entry.isDirectory() ? await diskBytes(at) : (await stat(at)).size;
  }
  return total;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function benchVideoOverhead({
  rounds = 3,
  preset = 'medium',
  lengths = [4, 20],
} = {}): Promise<string> {
  const parts: string[] = [];
  for (const seconds of lengths) parts.push(await overheadOf(seconds, rounds, preset));
  return parts.join('\n\n');
}

/** One clip length: the fixed costs (probing, mkvmerge) weigh less on a longer clip. */
async function overheadOf(seconds: number, rounds: number, preset: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-video-'));
  try {
    const input = path.join(dir, 'in.mp4');
    await clip(input, '1280x720', seconds);
    const plain: number[] = [];
    const shell: number[] = [];
    const pipe: number[] = [];
    const colour = 'scale=in_color_matrix=bt709:in_range=tv';
    for (let round = 0; round < rounds; round++) {
      plain.push(
        (
          await timed(() =>
            run('ffmpeg', [
              ...['-v', 'error', '-y', '-i', input, '-c:v', 'libx264', '-crf', '18', '-preset', preset],
              ...['-pix_fmt', 'yuv420p', '-c:a', 'copy', path.join(dir, 'plain.mkv')],
            ]),
          )
        ).ms,
      );
      // The floor of any RGB transform: the same conversions between two ffmpeg processes, with no Node between.
      shell.push(
        (
          await timed(() =>
            run('sh', [
              '-c',
              `ffmpeg -v error -i "${input}" -map 0:v:0 -vf ${colour} -f rawvideo -pix_fmt rgb24 - | ` +
                `ffmpeg -v error -y -f rawvideo -pix_fmt rgb24 -s 1280x720 -framerate 25 -i - ` +
                `-vf scale=out_color_matrix=bt709:out_range=tv -c:v libx264 -crf 18 -preset ${preset} ` +
                `-pix_fmt yuv420p "${path.join(dir, 'shell.mkv')}"`,
            ]),
          )
        ).ms,
      );
      const work = await mkdtemp(path.join(dir, 'work-'));
      pipe.push(
        (
          await timed(() =>
            upscaleVideo({
              input,
              output: path.join(dir, 'pipe.mkv'),
              workDir: work,
              scale: 1,
              transform: (rgb) => Promise.resolve(rgb),
              preset,
              crf: 18,
            }),
          )
        ).ms,
      );
      await rm(work, { recursive: true, force: true });
    }
    const [p, r, q] = [percentile(plain, 50), percentile(shell, 50), percentile(pipe, 50)];
    return [
      `video overhead: 1280×720, ${seconds * 25} frames at 25 fps with AAC, x264 preset ${preset} CRF 18, median of ${rounds} alternating rounds`,
      table([
        ['path', 'wall', 'ratio'],
        ['ffmpeg -i in -c:v libx264 -c:a copy out.mkv', s(p), '1.00'],
        ['ffmpeg → rgb24 pipe → ffmpeg (no Node, no audio)', s(r), ratio(r / p)],
        ['upscaleVideo, scale 1, identity transform', s(q), ratio(q / p)],
      ]),
      `  target ≤ 1.3×: ${q / p <= 1.3 ? 'met' : 'NOT met'}`,
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchVideoPng({
  model = 'realesr-animevideov3',
  scale = 2,
  size = '320x180',
  seconds = 2,
} = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-video-png-'));
  const enhancer = enhancerFromConfig(loadConfig({ PIXELFORGE_MODELS_DIR: MODELS_DIR }));
  try {
    const input = path.join(dir, 'in.mp4');
    await clip(input, size, seconds);
    // Warm the session: both paths then pay only for the frames.
    const [w, h] = size.split('x').map(Number) as [number, number];
    await enhancer.enhancePixels(
      { data: new Uint8Array(w * h * 3), width: w, height: h, channels: 3 },
      { model, scale },
    );

    // The old service: every frame to PNG, each PNG upscaled to a PNG, the PNGs and the audio back to a video.
    const old = path.join(dir, 'old');
    await mkdir(path.join(old, 'frames'), { recursive: true });
    await mkdir(path.join(old, 'out'));
    let oldPeak = 0;
    const oldRun = await timed(async () => {
      await run('ffmpeg', ['-v', 'error', '-i', input, path.join(old, 'frames', '%06d.png')]);
      for (const name of (await readdir(path.join(old, 'frames'))).sort()) {
        const { data } = await enhancer.enhance(await readFile(path.join(old, 'frames', name)), {
          model,
          scale,
          output: { format: 'png', quality: 90 },
        });
        await writeFile(path.join(old, 'out', name), data);
      }
      await run('ffmpeg', [
        ...['-v', 'error', '-y', '-framerate', '25', '-i', path.join(old, 'out', '%06d.png'), '-i', input],
        ...[
          '-map',
          '0:v',
          '-map',
          '1:a',
          '-c:v',
          'libx264',
          '-crf',
          '18',
          '-pix_fmt',
          'yuv420p',
          '-c:a',
          'aac',
        ],
        path.join(old, 'out.mkv'),
      ]);
      oldPeak = await diskBytes(old);
    });

    const work = await mkdtemp(path.join(dir, 'work-'));
    let inferenceMs = 0;
    let pipePeak = 0;
    const pipeRun = await timed(async () => {
      const result = await upscaleVideo({
        input,
        output: path.join(dir, 'pipe.mkv'),
        workDir: work,
        scale,
        segmentFrames: 25,
        transform: async (rgb, width, height) => {
          const t = performance.now();
          const out = await enhancer.enhancePixels(
            { data: rgb, width, height, channels: 3 },
            { model, scale },
          );
          inferenceMs += performance.now() - t;
          return out.data;
        },
      });
      pipePeak = (await diskBytes(work)) + (await stat(path.join(dir, 'pipe.mkv'))).size;
      return result;
    });
    const frames = pipeRun.value.frames;
    return [
      `video, the old way vs the pipe: ${size} → ×${scale} with ${model}, ${frames} frames, x264 medium CRF 18, one run each`,
      table([
        ['path', 'wall', 'ratio', 'peak disk', 'frames/s'],
        [
          'PNG frames on disk (extract, upscale, reassemble)',
          s(oldRun.ms),
          '1.00',
          mb(oldPeak),
          (frames / (oldRun.ms / 1000)).toFixed(2),
        ],
        [
          'upscaleVideo (pipes, 1 s segments)',
          s(pipeRun.ms),
          ratio(pipeRun.ms / oldRun.ms),
          mb(pipePeak),
          (frames / (pipeRun.ms / 1000)).toFixed(2),
        ],
      ]),
      `  inference share of the pipe's wall time: ${ratio(inferenceMs / pipeRun.ms)} (target ≥ 0.9)`,
    ].join('\n');
  } finally {
    await enhancer.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchVideo(): Promise<string> {
  return [await benchVideoOverhead(), await benchVideoPng()].join('\n\n');
}
