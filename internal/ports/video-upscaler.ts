// The video upscaler port: a whole video through a per-frame transform, in resumable segments, with the
// source's timing and other streams kept (the ffmpeg adapter: internal/adapters/ffmpeg/video-pipeline.ts).
import type { VideoCodec } from '../jobs/spec.ts';

/** The limits a video must meet (the ffmpeg adapter's DEFAULT_VIDEO_LIMITS). */
export interface VideoLimits {
  maxWidth: number;
  maxHeight: number;
  /** Width × height × frames per second. */
  maxPixelsPerSecond: number;
  maxDurationSeconds: number;
  maxFrames: number;
  maxStreams: number;
}

/** Where finished segments are kept between attempts. */
export interface SegmentStore {
  /** Writes segment `index` to `file` and resolves true, or false when it has not been stored. */
  load(index: number, file: string): Promise<boolean>;
  /** Keeps the finished segment `index` (the encoder's file). */
  save(index: number, file: string, frames: number): Promise<void>;
}

export interface UpscaleVideoOptions {
  input: string;
  /** `.mkv` or `.mp4`. */
  output: string;
  /** Where the segments, the intermediate video and the timestamps go (a temporary directory the caller removes). */
  workDir: string;
  scale: number;
  /** Enlarges one RGB frame (`width`×`height`×3 bytes) by `scale`. */
  transform(rgb: Uint8Array, width: number, height: number, index: number): Promise<Uint8Array>;
  /** H.264 (libx264, default) or HEVC (libx265). */
  codec?: VideoCodec;
  /** The constant rate factor (default 18: visually lossless for x264) and the encoder preset (default `medium`). */
  crf?: number;
  preset?: string;
  /** Frames per segment (default: the whole video in one). */
  segmentFrames?: number;
  /** Or segments of about this many seconds, at the source's average frame rate (`segmentFrames` wins). */
  segmentSeconds?: number;
  segments?: SegmentStore;
  limits?: VideoLimits;
  onProgress?(frames: number, total: number): void;
  /** Called when a segment is done: `reused` when an earlier attempt had stored it. */
  onSegment?(index: number, reused: boolean): void;
  signal?: AbortSignal;
}

export interface UpscaledVideo {
  /** Frames in the output: the source's. */
  frames: number;
  /** The output's frame size. */
  width: number;
  height: number;
  /** Frames this call transformed (fewer than `frames` when segments were reused). */
  transformed: number;
  segments: number;
  reusedSegments: number;
  /** What could not be kept as it was (MP4 output), for the job's message. */
  notes: string[];
}

export type VideoUpscaler = (options: UpscaleVideoOptions) => Promise<UpscaledVideo>;
