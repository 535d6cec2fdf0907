// Upscales a video frame by frame through pipes, with every frame's original presentation time and every
// other stream untouched: ffmpeg decodes to raw RGB on a pipe (each decoded frame exactly once, no frame-rate
// conversion), `transform` enlarges each frame, ffmpeg encodes from a pipe, and mkvmerge puts the source's
// own timestamps on the new frames (a timestamps v2 file) beside the source's audio, subtitle and chapter
// streams, copied as they are. No frame touches the disk as an image, and the sound cannot drift: it is not
// re-encoded, and no video frame is re-timed.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { readFrameTimes } from './frame-times.ts';
import { probeVideo, type VideoLimits, DEFAULT_VIDEO_LIMITS } from './probe-video.ts';

const run = promisify(execFile);

export interface UpscaleVideoOptions {
  input: string;
  /** `.mkv` or `.mp4`. */
  output: string;
  /** Where the intermediate video and timestamps go (a temporary directory the caller removes). */
  workDir: string;
  scale: number;
  /** Enlarges one RGB frame (`width`×`height`×3 bytes) by `scale`. */
  transform(rgb: Uint8Array, width: number, height: number, index: number): Promise<Uint8Array>;
  /** x264's constant rate factor (default 18: visually lossless) and preset (default `medium`). */
  crf?: number;
  preset?: string;
  limits?: VideoLimits;
  onProgress?(frames: number, total: number): void;
  signal?: AbortSignal;
}

async function finished(child: ChildProcess, what: string, stderr: () => string): Promise<void> {
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0)
    throw new Error(`${what} failed (${signal ?? `exit ${code}`}): ${stderr().trim().slice(-500)}`);
}

function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-4000)));
  return () => text;
}

/** Runs the pipeline; resolves with the number of frames written, which equals the source's. */
export async function upscaleVideo(options: UpscaleVideoOptions): Promise<{ frames: number }> {
  const { input, output, workDir, scale, transform, signal } = options;
  const probe = await probeVideo(input, options.limits ?? DEFAULT_VIDEO_LIMITS);
  const times = await readFrameTimes(input);
  const total = times.pts.length;
  const { width, height } = probe;
  const [ow, oh] = [width * scale, height * scale];
  const frameBytes = width * height * 3;

  const decoder = spawn(
    'ffmpeg',
    [
      '-v',
      'error',
      '-i',
      input,
      '-map',
      '0:v:0',
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      'pipe:1',
    ],
    { signal },
  );
  const decoderErr = collectStderr(decoder);
  const video = path.join(workDir, 'video.mkv');
  const encoder = spawn(
    'ffmpeg',
    [
      ...['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${ow}x${oh}`],
      // A nominal rate only: mkvmerge replaces every timestamp with the source's.
      ...['-framerate', `${probe.frameRate.num}/${probe.frameRate.den}`, '-i', 'pipe:0'],
      ...['-c:v', 'libx264', '-crf', String(options.crf ?? 18), '-preset', options.preset ?? 'medium'],
      // 4:2:0 needs even sizes; an odd one keeps full chroma rather than losing a row.
      ...['-pix_fmt', ow % 2 === 0 && oh % 2 === 0 ? 'yuv420p' : 'yuv444p', video],
    ],
    { signal },
  );
  const encoderErr = collectStderr(encoder);
  const decoded = finished(decoder, 'decoding', decoderErr);
  const encoded = finished(encoder, 'encoding', encoderErr);
  decoded.catch(() => encoder.kill());
  encoded.catch(() => decoder.kill());

  let pending: Buffer = Buffer.alloc(0);
  /** Reads decoded frames, transforms each and writes it to the encoder; resolves with the count. */
  const pump = async (): Promise<number> => {
    let count = 0;
    for await (const chunk of decoder.stdout) {
      pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
      while (pending.length >= frameBytes) {
        const frame = pending.subarray(0, frameBytes);
        pending = pending.subarray(frameBytes);
        const enlarged = await transform(frame, width, height, count);
        if (enlarged.length !== ow * oh * 3) {
          throw new Error(
            `frame ${count}: the transform returned ${enlarged.length} bytes, expected ${ow * oh * 3}`,
          );
        }
        if (!encoder.stdin.write(enlarged)) await once(encoder.stdin, 'drain');
        count++;
        options.onProgress?.(count, total);
      }
    }
    encoder.stdin.end();
    return count;
  };
  let frames: number;
  try {
    frames = await pump();
  } catch (err) {
    // A failed transform must not leave either ffmpeg waiting on a pipe that nobody reads or writes. SIGKILL:
    // ffmpeg takes SIGTERM as "finish up", and an encoder blocked reading its input never gets to.
    encoder.stdin.destroy();
    decoder.kill('SIGKILL');
    encoder.kill('SIGKILL');
    await Promise.allSettled([decoded, encoded]);
    throw err;
  }
  await Promise.all([decoded, encoded]);
  if (pending.length > 0) throw new Error(`the decoder ended inside a frame (${pending.length} bytes left)`);
  if (frames !== total) throw new Error(`decoded ${frames} frames, the source has ${total}`);

  // The source's timestamps in milliseconds, relative to the stream's time base, in presentation order.
  const timestamps = path.join(workDir, 'timestamps.txt');
  const { num, den } = times.timeBase;
  await writeFile(
    timestamps,
    ['# timestamp format v2', ...times.pts.map((p) => ((p * num * 1000) / den).toFixed(6))].join('\n') + '\n',
  );
  const merged = path.join(workDir, 'merged.mkv');
  await run('mkvmerge', ['-q', '-o', merged, '--timestamps', `0:${timestamps}`, video, '--no-video', input], {
    signal,
    maxBuffer: 16 << 20,
  }).catch((err: { code?: number }) => {
    // mkvmerge exits 1 for warnings (the file is written), 2 for errors.
    if (err.code !== 1) throw err;
  });
  if (path.extname(output).toLowerCase() === '.mp4') {
    await run(
      'ffmpeg',
      ['-v', 'error', '-y', '-i', merged, '-map', '0', '-c', 'copy', '-movflags', '+faststart', output],
      {
        signal,
      },
    );
  } else {
    await rename(merged, output);
  }
  return { frames };
}
