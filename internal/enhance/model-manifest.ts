// The manifest that describes each model in models/: what the engine needs to run it and where it came from.
import { z } from 'zod';

export const ModelVariant = z.object({
  /** Native upscaling factor of this file. */
  scale: z.number().int().min(1).max(8),
  /** Path of the .onnx file, relative to the manifest. */
  file: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Multiply-adds per output pixel, for benchmarks against the arithmetic limit. */
  macsPerOutputPixel: z.number().positive().optional(),
  parameters: z.number().int().positive().optional(),
  /**
   * Float32 bytes per input pixel of the values alive at once at the worst point of a run
   * (`peakActivationBytesPerInputPixel`): what tile sizes are chosen from. Absent: a conservative default.
   */
  activationBytesPerInputPixel: z.number().int().positive().optional(),
  /** Path of this variant's original weights inside `source.package`, when it was converted from one. */
  sourcePath: z.string().optional(),
  /**
   * The measured receptive field (`measureReceptiveField`), when it was recorded at conversion: the engine then
   * uses it instead of measuring at the first use, which costs seconds for the large models. `exact` is false
   * when the measurement stopped at its cap and `radius` is that cap.
   */
  receptiveField: z.object({ radius: z.number().int().min(0), exact: z.boolean() }).optional(),
});
export type ModelVariant = z.infer<typeof ModelVariant>;

export const ModelManifest = z.object({
  /** The name users pass as `model`, e.g. `esrgan-slim`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,62}$/),
  description: z.string().max(500).default(''),
  variants: z.array(ModelVariant).min(1),
  /** The value range the model expects and returns: [0, 255] for UpscalerJS models, [0, 1] for Real-ESRGAN exports. */
  inputRange: z.tuple([z.number(), z.number()]),
  outputRange: z.tuple([z.number(), z.number()]),
  /** Tensor layout of input and output. */
  layout: z.enum(['NCHW', 'NHWC']),
  channels: z.literal(3),
  /** Tensor names, when not the graph's first input / output. */
  inputName: z.string().optional(),
  outputName: z.string().optional(),
  source: z.object({
    package: z.string(),
    version: z.string(),
    /** Path of the original weights inside the package, or a URL for manually added models. */
    path: z.string().optional(),
  }),
  licence: z.string().min(1),
});
export type ModelManifest = z.infer<typeof ModelManifest>;
