// Probes a video file with ffprobe and checks it against the limits a video must meet before anything is
// accepted: a container and codec allow-list, dimensions, pixel rate, duration, frame count and stream count.
// Every refusal is a PixelforgeError with a clear message; nothing here writes anything.
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ErrorCode, PixelforgeError } from '../../errors/errors.ts';
import type { Rational, VideoContentType, VideoFacts } from '../../videos/video.ts';
import type { VideoLimits } from '../../ports/video-upscaler.ts';
import type { StreamColour } from './colour.ts';

const run = promisify(execFile);

/** The facts Pixelforge keeps of a video, the file's size as ffprobe read it, and the video's colour tags. */
export interface VideoProbe extends VideoFacts {
  sizeBytes: number;
  colour: StreamColour;
}

export type { VideoLimits } from '../../ports/video-upscaler.ts';

/** Defaults: up to 4K at 60 fps, two hours, 16 streams. */
export const DEFAULT_VIDEO_LIMITS: VideoLimits = {
  maxWidth: 4096,
  maxHeight: 4096,
  maxPixelsPerSecond: 4096 * 2160 * 60,
  maxDurationSeconds: 2 * 3600,
  maxFrames: 2 * 3600 * 60,
  maxStreams: 16,
};

/** Demuxers whose files are accepted (the first name of ffprobe's list decides). */
const CONTAINERS = new Set(['mov', 'matroska', 'avi']);
const VIDEO_CODECS = new Set(['h264', 'hevc', 'vp8', 'vp9', 'av1', 'mpeg4', 'mpeg2video', 'prores', 'mjpeg']);

/** Why a video was refused: the message says what was wrong and what the limit is. */
export class VideoRejectedError extends PixelforgeError {}

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  nb_read_packets?: string;
  channels?: number;
  sample_rate?: string;
  /** Cover art in MP4/MKV is a one-picture "video" stream marked attached_pic. */
  disposition?: { attached_pic?: number };
  color_space?: string;
  color_primaries?: string;
  color_transfer?: string;
  color_range?: string;
}

interface FfprobeOutput {
  format?: { format_name?: string; duration?: string; size?: string; tags?: { major_brand?: string } };
  streams?: FfprobeStream[];
}

function rational(text: string | undefined): Rational | undefined {
  const [num, den] = (text ?? '').split('/').map(Number);
  return num && den && Number.isFinite(num) && Number.isFinite(den) ? { num, den } : undefined;
}

const WEBM_CODECS = new Set(['vp8', 'vp9', 'av1', 'opus', 'vorbis', 'webvtt']);

/** The media type of an accepted file: from its container, and for Matroska from whether WebM allows its codecs. */
function contentTypeOf(out: FfprobeOutput, streams: FfprobeStream[]): VideoContentType {
  const demuxer = out.format?.format_name?.split(',')[0];
  if (demuxer === 'avi') return 'video/x-msvideo';
  if (demuxer === 'matroska')
    return streams.every((s) => WEBM_CODECS.has(s.codec_name ?? '')) ? 'video/webm' : 'video/x-matroska';
  return out.format?.tags?.major_brand?.trim() === 'qt' ? 'video/quicktime' : 'video/mp4';
}

/** Whether the file's first box is one an MP4 starts with (`ftyp`, or `mdat`/`free`/`wide` before the index). */
async function startsWithMp4Box(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(8), 0, 8, 0);
    return (
      bytesRead === 8 && ['ftyp', 'mdat', 'free', 'wide', 'moov'].includes(buffer.toString('latin1', 4, 8))
    );
  } finally {
    await handle.close();
  }
}

async function ffprobe(file: string): Promise<FfprobeOutput> {
  try {
    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-count_packets', file],
      { maxBuffer: 8 << 20, timeout: 120_000 },
    );
    return JSON.parse(stdout) as FfprobeOutput;
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '');
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new PixelforgeError(ErrorCode.Unavailable, 'ffprobe is not installed (Debian package ffmpeg)');
    }
    // ffprobe says "moov atom not found" for anything it takes for MP4, text named .mp4 included: only a file
    // that starts with an MP4 box is a truncated MP4.
    if (/moov atom not found/i.test(stderr) && (await startsWithMp4Box(file))) {
      throw new VideoRejectedError(
        ErrorCode.Validation,
        'the video is truncated: its MP4 index (moov) is missing, so it was cut off or is still being written',
      );
    }
    throw new VideoRejectedError(
      ErrorCode.UnsupportedMediaType,
      `not a video ffprobe can read: ${stderr.trim().split('\n').at(-1) ?? 'no output'}`,
    );
  }
}

/** Probes `file` and returns its metadata, or throws VideoRejectedError naming the first limit it breaks. */
export async function probeVideo(
  file: string,
  limits: VideoLimits = DEFAULT_VIDEO_LIMITS,
): Promise<VideoProbe> {
  const out = await ffprobe(file);
  const streams = out.streams ?? [];
  const reject = (code: ErrorCode, message: string): never => {
    throw new VideoRejectedError(code, message);
  };
  const container = out.format?.format_name ?? '';
  if (!CONTAINERS.has(container.split(',')[0] ?? ''))
    reject(
      ErrorCode.UnsupportedMediaType,
      `container ${container || 'unknown'} is not accepted (MP4/MOV, MKV/WebM, AVI)`,
    );
  const video = streams.filter((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const first = video[0];
  if (!first) return reject(ErrorCode.UnsupportedMediaType, 'the file has no video stream');
  if (video.length > 1)
    reject(ErrorCode.UnsupportedMediaType, `the file has ${video.length} video streams; one is accepted`);
  const videoCodec = first.codec_name ?? 'unknown';
  if (!VIDEO_CODECS.has(videoCodec))
    reject(
      ErrorCode.UnsupportedMediaType,
      `video codec ${videoCodec} is not accepted (${[...VIDEO_CODECS].join(', ')})`,
    );
  if (streams.length > limits.maxStreams)
    reject(
      ErrorCode.Validation,
      `the file has ${streams.length} streams; at most ${limits.maxStreams} are accepted`,
    );

  const width = first.width ?? 0;
  const height = first.height ?? 0;
  if (width < 1 || height < 1) reject(ErrorCode.Validation, 'the video stream has no dimensions');
  if (width > limits.maxWidth || height > limits.maxHeight)
    reject(
      ErrorCode.TooManyPixels,
      `the video is ${width}×${height}; at most ${limits.maxWidth}×${limits.maxHeight} is accepted`,
    );
  const durationSeconds = Number(out.format?.duration ?? NaN);
  if (!(durationSeconds > 0)) reject(ErrorCode.Validation, 'the video has no duration');
  if (durationSeconds > limits.maxDurationSeconds)
    reject(
      ErrorCode.PayloadTooLarge,
      `the video lasts ${durationSeconds.toFixed(0)} s; at most ${limits.maxDurationSeconds} s is accepted`,
    );
  const frameCount = Number(first.nb_read_packets ?? 0);
  if (frameCount < 1) reject(ErrorCode.Validation, 'the video stream holds no frames');
  if (frameCount > limits.maxFrames)
    reject(
      ErrorCode.PayloadTooLarge,
      `the video has ${frameCount} frames; at most ${limits.maxFrames} are accepted`,
    );
  const frameRate = rational(first.avg_frame_rate) ??
    rational(first.r_frame_rate) ?? { num: frameCount, den: 1 };
  const pixelsPerSecond = (width * height * frameRate.num) / frameRate.den;
  if (pixelsPerSecond > limits.maxPixelsPerSecond)
    reject(
      ErrorCode.TooManyPixels,
      `the video has ${Math.round(pixelsPerSecond)} pixels per second; at most ${limits.maxPixelsPerSecond} are accepted`,
    );

  return {
    contentType: contentTypeOf(out, streams),
    container,
    sizeBytes: Number(out.format?.size ?? 0),
    durationSeconds,
    width,
    height,
    videoCodec,
    frameRate,
    frameCount,
    audio: streams
      .filter((s) => s.codec_type === 'audio')
      .map((s) => ({
        codec: s.codec_name ?? 'unknown',
        channels: s.channels ?? 0,
        sampleRate: Number(s.sample_rate ?? 0),
      })),
    streams: streams.length,
    colour: {
      space: first.color_space ?? 'unknown',
      primaries: first.color_primaries ?? 'unknown',
      transfer: first.color_transfer ?? 'unknown',
      range: first.color_range ?? 'unknown',
    },
  };
}
