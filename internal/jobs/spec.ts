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
  tile: TileOptions.optional(),
  output: OutputOptions.default({ format: 'webp', quality: 90 }),
  priority: z.number().int().min(-1000).max(1000).default(0),
  cancel: z.boolean().optional(),
});
export type EnhancementSpec = z.infer<typeof EnhancementSpec>;
