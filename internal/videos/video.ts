// What Pixelforge knows about a stored video, as carried by events: the probed facts, fixed at upload.
import { z } from 'zod';
import { Tags, Uploader, Variant } from '../images/image.ts';

export const VIDEO_CONTENT_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/x-matroska',
  'video/webm',
  'video/x-msvideo',
] as const;
export const VideoContentType = z.enum(VIDEO_CONTENT_TYPES);
export type VideoContentType = z.infer<typeof VideoContentType>;

/** A rational number such as 30000/1001 (29.97 fps), kept exact. */
export const Rational = z.object({ num: z.number().int().positive(), den: z.number().int().positive() });
export type Rational = z.infer<typeof Rational>;

export const AudioStream = z.object({
  codec: z.string().min(1).max(64),
  channels: z.number().int().nonnegative(),
  sampleRate: z.number().int().nonnegative(),
});

/** What ffprobe found in an accepted video. */
export const VideoFacts = z.object({
  contentType: VideoContentType,
  /** ffprobe's demuxer names, e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`. */
  container: z.string().min(1).max(200),
  durationSeconds: z.number().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  videoCodec: z.string().min(1).max(64),
  /** The average frame rate; variable-rate sources keep their own timestamps. */
  frameRate: Rational,
  /** Frames counted by reading the stream's packets, not the header's claim. */
  frameCount: z.number().int().positive(),
  audio: z.array(AudioStream).max(64),
  /** Every stream in the file: video, audio, subtitles, attachments. */
  streams: z.number().int().positive(),
});
export type VideoFacts = z.infer<typeof VideoFacts>;

/** The facts of a video upload, fixed once the bytes are stored and probed. */
export const UploadedVideo = VideoFacts.extend({
  videoId: z.string().min(1),
  filename: z.string().max(255),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  blobKey: z.string().min(1),
  uploader: Uploader.optional(),
  tags: Tags.default([]),
});
export type UploadedVideo = z.infer<typeof UploadedVideo>;

/** The poster's variant name: a WebP of one frame, for the UI. */
export const POSTER_VARIANT = 'poster';

/** A rendition of a video: its poster (a WebP still) or the output of an enhancement job. */
export const VideoVariant = Variant;
export type VideoVariant = Variant;
