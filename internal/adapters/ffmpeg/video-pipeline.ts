// Upscales a video frame by frame through pipes, with every frame's original presentation time and every
// other stream untouched: ffmpeg decodes to raw RGB on a pipe (each decoded frame exactly once, no frame-rate
// conversion), `transform` enlarges each frame, ffmpeg encodes from a pipe, and mkvmerge puts the source's
// own timestamps on the new frames (a timestamps v2 file) beside the source's audio, subtitle and chapter
// streams, copied as they are. No frame touches the disk as an image, and the sound cannot drift: it is not
// re-encoded, and no video frame is re-timed.
//
// The output is encoded in segments of `segmentFrames` frames, each its own encoder run starting on a key
// frame. A segment that `segments.load` already has (stored by an earlier, interrupted attempt) is not
// transformed again: its frames are decoded and dropped, which costs a small fraction of upscaling them.
// The decoder always reads the whole source from the start, so frame n is the same frame in every attempt.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { colourPlan, decodeColourArgs, encodeColourArgs } from './colour.ts';
import { readFrameTimes } from './frame-times.ts';
import { probeVideo, DEFAULT_VIDEO_LIMITS } from './probe-video.ts';
import type { UpscaleVideoOptions, UpscaledVideo } from '../../ports/video-upscaler.ts';

export type { SegmentStore, UpscaleVideoOptions, UpscaledVideo } from '../../ports/video-upscaler.ts';

const run = promisify(execFile);

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

function encoderArgs(options: UpscaleVideoOptions, width: number, height: number): string[] {
  const crf = String(options.crf ?? 18);
  const preset = options.preset ?? 'medium';
  const codec =
    options.codec === 'hevc'
      ? ['-c:v', 'libx265', '-crf', crf, '-preset', preset, '-x265-params', 'log-level=error']
      : ['-c:v', 'libx264', '-crf', crf, '-preset', preset];
  // 4:2:0 needs even sizes; an odd one keeps full chroma rather than losing a row.
  return [...codec, '-pix_fmt', width % 2 === 0 && height % 2 === 0 ? 'yuv420p' : 'yuv444p'];
}

/** Runs the pipeline; resolves with the number of frames written, which equals the source's. */
export async function upscaleVideo(options: UpscaleVideoOptions): Promise<UpscaledVideo> {
  const { input, output, workDir, scale, transform, signal } = options;
  // Both read the file's packets; at once, they cost one read. The probe's refusal is the one that explains.
  const [probed, timed] = await Promise.allSettled([
    probeVideo(input, options.limits ?? DEFAULT_VIDEO_LIMITS),
    readFrameTimes(input),
  ]);
  if (probed.status === 'rejected') throw probed.reason;
  if (timed.status === 'rejected') throw timed.reason;
  const [probe, times] = [probed.value, timed.value];
  const total = times.pts.length;
  const { width, height } = probe;
  const [ow, oh] = [width * scale, height * scale];
  const frameBytes = width * height * 3;
  const colour = colourPlan(probe.colour, height);
  const fromSeconds =
    options.segmentSeconds === undefined
      ? undefined
      : Math.round((options.segmentSeconds * probe.frameRate.num) / probe.frameRate.den);
  const perSegment = Math.max(1, Math.min(options.segmentFrames ?? fromSeconds ?? total, total));
  const segmentCount = Math.ceil(total / perSegment);
  const segmentFile = (k: number) => path.join(workDir, `segment-${String(k).padStart(6, '0')}.mkv`);
  const framesIn = (k: number) => Math.min(perSegment, total - k * perSegment);

  const reused: boolean[] = [];
  for (let k = 0; k < segmentCount; k++)
    reused.push((await options.segments?.load(k, segmentFile(k))) ?? false);
  // The job is running from here: say so before the first frame, which may take a while on a CPU.
  options.onProgress?.(0, total);

  const decoder = spawn(
    'ffmpeg',
    [
      ...['-v', 'error', '-i', input, '-map', '0:v:0', '-fps_mode', 'passthrough'],
      ...decodeColourArgs(colour),
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { signal },
  );
  const decoderErr = collectStderr(decoder);
  const decoded = finished(decoder, 'decoding', decoderErr);
  decoded.catch(() => {});

  /** The encoder of the segment being written, started at its first frame. */
  let encoder: { child: ChildProcess; done: Promise<void> } | undefined;
  const startEncoder = (k: number) => {
    const child = spawn(
      'ffmpeg',
      [
        ...['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${ow}x${oh}`],
        // A nominal rate only: mkvmerge replaces every timestamp with the source's.
        ...['-framerate', `${probe.frameRate.num}/${probe.frameRate.den}`, '-i', 'pipe:0'],
        ...encoderArgs(options, ow, oh),
        ...encodeColourArgs(colour),
        segmentFile(k),
      ],
      { signal },
    );
    const done = finished(child, 'encoding', collectStderr(child));
    done.catch(() => decoder.kill('SIGKILL'));
    return { child, done };
  };

  let transformed = 0;
  const outBytes = ow * oh * 3;
  /** Handles decoded frame `index`: transformed and written to its segment's encoder, or dropped when reused. */
  const handle = async (frame: Buffer, index: number) => {
    if (index >= total) throw new Error(`the decoder gave more frames than the source's ${total}`);
    const k = Math.floor(index / perSegment);
    const last = index === k * perSegment + framesIn(k) - 1;
    if (!reused[k]) {
      encoder ??= startEncoder(k);
      const enlarged = await transform(frame, width, height, index);
      if (enlarged.length !== outBytes) {
        throw new Error(
          `frame ${index}: the transform returned ${enlarged.length} bytes, expected ${outBytes}`,
        );
      }
      const stdin = encoder.child.stdin!;
      stdin.write(enlarged);
      // Up to two frames may wait in the pipe, so that decoding the next overlaps encoding this one.
      if (stdin.writableLength > 2 * outBytes) await Promise.race([once(stdin, 'drain'), encoder.done]);
      transformed++;
      if (last) {
        stdin.end();
        await encoder.done;
        encoder = undefined;
        await options.segments?.save(k, segmentFile(k), framesIn(k));
      }
    }
    options.onProgress?.(index + 1, total);
    if (last) options.onSegment?.(k, reused[k]!);
  };
  let filled = 0;
  /** Reads the decoder's output into whole frames (one copy per byte) and handles each; resolves with the count. */
  const pump = async (): Promise<number> => {
    let count = 0;
    let frame = Buffer.allocUnsafe(frameBytes);
    for await (const chunk of decoder.stdout as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.length;) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(frame, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled < frameBytes) break;
        // A fresh buffer for the next frame: the encoder's pipe may still hold this one.
        const complete = frame;
        frame = Buffer.allocUnsafe(frameBytes);
        filled = 0;
        await handle(complete, count++);
      }
    }
    return count;
  };
  let frames: number;
  try {
    frames = await pump();
    await decoded;
  } catch (err) {
    // A failed transform must not leave either ffmpeg waiting on a pipe that nobody reads or writes. SIGKILL:
    // ffmpeg takes SIGTERM as "finish up", and an encoder blocked reading its input never gets to.
    const stuck = encoder;
    stuck?.child.stdin?.destroy();
    decoder.kill('SIGKILL');
    stuck?.child.kill('SIGKILL');
    await Promise.allSettled([decoded, stuck?.done]);
    throw err;
  }
  if (filled > 0) throw new Error(`the decoder ended inside a frame (${filled} bytes left)`);
  if (frames !== total) throw new Error(`decoded ${frames} frames, the source has ${total}`);

  // The source's timestamps in milliseconds, relative to the stream's time base, in presentation order.
  const timestamps = path.join(workDir, 'timestamps.txt');
  const { num, den } = times.timeBase;
  await writeFile(
    timestamps,
    ['# timestamp format v2', ...times.pts.map((p) => ((p * num * 1000) / den).toFixed(6))].join('\n') + '\n',
  );
  const mkvmerge = (args: string[]) =>
    run('mkvmerge', ['-q', ...args], { signal, maxBuffer: 16 << 20 }).catch((err: { code?: number }) => {
      // mkvmerge exits 1 for warnings (the file is written), 2 for errors.
      if (err.code !== 1) throw err;
    });
  let video = segmentFile(0);
  if (segmentCount > 1) {
    // Appending: one track whose segments follow each other; each starts with a key frame.
    video = path.join(workDir, 'video.mkv');
    const parts = Array.from({ length: segmentCount }, (_, k) => segmentFile(k));
    await mkvmerge(['-o', video, parts[0]!, ...parts.slice(1).flatMap((p) => ['+', p])]);
  }
  const merged = path.join(workDir, 'merged.mkv');
  await mkvmerge(['-o', merged, '--timestamps', `0:${timestamps}`, video, '--no-video', input]);
  const notes: string[] = [];
  if (path.extname(output).toLowerCase() === '.mp4') {
    notes.push(...(await remuxToMp4(merged, output, probe.audio, options)));
  } else {
    await rename(merged, output);
  }
  return {
    frames,
    width: ow,
    height: oh,
    transformed,
    segments: segmentCount,
    reusedSegments: reused.filter(Boolean).length,
    notes,
  };
}

/** Audio codecs an MP4 holds as they are; others are re-encoded to AAC. */
const MP4_AUDIO = new Set(['aac', 'mp3', 'ac3', 'eac3', 'opus', 'flac', 'alac']);

/**
 * Copies the merged Matroska file into MP4: video as it is, audio copied when MP4 holds its codec (else AAC at
 * 192 kb/s per stream), text subtitles as mov_text. Bitmap subtitles, which MP4 cannot hold, are dropped and
 * said so in the returned notes.
 */
async function remuxToMp4(
  merged: string,
  output: string,
  audio: { codec: string }[],
  { codec, signal }: Pick<UpscaleVideoOptions, 'codec' | 'signal'>,
): Promise<string[]> {
  const audioArgs = audio.flatMap((a, i) =>
    MP4_AUDIO.has(a.codec) ? [`-c:a:${i}`, 'copy'] : [`-c:a:${i}`, 'aac', `-b:a:${i}`, '192k'],
  );
  const notes = audio
    .filter((a) => !MP4_AUDIO.has(a.codec))
    .map((a) => `audio ${a.codec} was re-encoded to AAC: MP4 cannot hold it`);
  const remux = (subtitles: string[]) =>
    run(
      'ffmpeg',
      [
        ...['-v', 'error', '-y', '-i', merged, '-map', '0:v', '-map', '0:a?', '-c:v', 'copy', ...audioArgs],
        ...subtitles,
        // Apple's players want HEVC tagged hvc1 in MP4.
        ...(codec === 'hevc' ? ['-tag:v', 'hvc1'] : []),
        ...['-movflags', '+faststart', output],
      ],
      { signal, maxBuffer: 16 << 20 },
    );
  try {
    await remux(['-map', '0:s?', '-c:s', 'mov_text']);
  } catch {
    await remux([]);
    notes.push('subtitles were dropped: MP4 holds only text subtitles (choose mkv to keep them)');
  }
  return notes;
}
