// What an enhancement asks for: the spec shared by the HTTP API, NATS requests and EnhancementJob resources.
import { z } from 'zod';

export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp', 'avif'] as const;
export const OutputFormat = z.enum(OUTPUT_FORMATS);
export type OutputFormat = z.infer<typeof OutputFormat>;

export const OutputOptions = z.object({
  format: OutputFormat.default('webp'),
  quality: z.number().int().min(1).max(100).default(90),
});
export type OutputOptions = z.infer<typeof OutputOptions>;

export const TileOptions = z.object({
  /** Tile edge in input pixels. */
  size: z.number().int().min(16).max(4096),
  /** Overlap on each side, in input pixels, blended away. */
  pad: z.number().int().min(0).max(256).default(16),
});
export type TileOptions = z.infer<typeof TileOptions>;

export const VIDEO_CODECS = ['h264', 'hevc'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];
export const VIDEO_CONTAINERS = ['mkv', 'mp4'] as const;
export type VideoContainer = (typeof VIDEO_CONTAINERS)[number];
/** x264's and x265's preset names, fastest first. */
export const ENCODER_PRESETS = [
  'ultrafast',
  'superfast',
  'veryfast',
  'faster',
  'fast',
  'medium',
  'slow',
  'slower',
  'veryslow',
] as const;

/** How a video job's output is encoded; audio, subtitles and chapters are copied from the source. */
export const VideoOutputOptions = z.object({
  container: z.enum(VIDEO_CONTAINERS).default('mkv'),
  codec: z.enum(VIDEO_CODECS).default('h264'),
  /** Constant rate factor: lower is better and larger; 18 is visually lossless for H.264. */
  crf: z.number().int().min(0).max(51).default(18),
  preset: z.enum(ENCODER_PRESETS).default('medium'),
  /** Length of the resumable segments: a lost worker redoes at most one. */
  segmentSeconds: z.number().min(1).max(600).default(10),
});
export type VideoOutputOptions = z.infer<typeof VideoOutputOptions>;

export const FIT_MODES = ['inside', 'cover', 'fill'] as const;

/** An absolute output size: a width, a height or both, and how the picture fits a box of both. */
export const OutputSize = z
  .object({
    width: z.number().int().min(1).max(16_383).optional(),
    height: z.number().int().min(1).max(16_383).optional(),
    /** inside (default): within the box, aspect kept; cover: fills the box, the overflow cropped from the centre; fill: stretched to the box. */
    fit: z.enum(FIT_MODES).default('inside'),
  })
  .refine((s) => s.width !== undefined || s.height !== undefined, 'size needs a width, a height or both');
export type OutputSize = z.infer<typeof OutputSize>;

export const EnhancementSource = z.union([
  z.object({ imageId: z.string().min(1).max(64) }),
  z.object({ videoId: z.string().min(1).max(64) }),
  z.object({ url: z.url().max(2048) }),
]);
export type EnhancementSource = z.infer<typeof EnhancementSource>;

export const EnhancementSpec = z.object({
  source: EnhancementSource,
  /** A model name from models/ (see `pixelforge models list`). */
  model: z.string().min(1).max(100),
  /** The model's native scale; defaults to the model's own. */
  scale: z.number().int().min(1).max(8).optional(),
  /** Final scale relative to the input; the native result is resized with lanczos3. */
  outscale: z.number().min(0.1).max(16).optional(),
  /** An absolute output size instead of `outscale`; without `scale`, the smallest native scale that reaches it. */
  size: OutputSize.optional(),
  tile: TileOptions.optional(),
  output: OutputOptions.default({ format: 'webp', quality: 90 }),
  /** For a videoId source: the encoding of the result (defaults: MKV, H.264, CRF 18, preset medium). */
  video: VideoOutputOptions.optional(),
  priority: z.number().int().min(-1000).max(1000).default(0),
  cancel: z.boolean().optional(),
});
export type EnhancementSpec = z.infer<typeof EnhancementSpec>;
