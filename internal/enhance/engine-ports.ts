// What the enhancement engine needs from the outside: an image codec (sharp) and a model runtime (onnxruntime).
import type { ExecutionProvider } from '../ports/enhancer.ts';
import type { OutputFormat } from '../jobs/spec.ts';
import type { ModelManifest } from './model-manifest.ts';
import type { ResolvedVariant } from './model-catalogue.ts';
import type { RunModel } from './receptive-field.ts';
import type { PixelBuffer } from './tile-pixels.ts';

/** A decoded image as the engine works on it: 8-bit sRGB, orientation applied, RGB or RGBA. */
export interface DecodedImage extends PixelBuffer {
  channels: 3 | 4;
}

export interface EncodeOptions {
  format: OutputFormat;
  quality: number;
  /** Resize with lanczos3 to this box before encoding (see ConvertRequest for the meaning of fit). */
  width?: number;
  height?: number;
  fit?: 'inside' | 'cover' | 'fill';
  withoutEnlargement?: boolean;
}

export interface EncodedInfo {
  width: number;
  height: number;
  size: number;
  format: OutputFormat;
}

export interface ImageCodec {
  /**
   * Decodes `input` to 8-bit sRGB, applying EXIF orientation and the embedded colour profile and keeping
   * alpha. Checks the pixel count from the header before decoding: TooManyPixelsError; undecodable or
   * truncated input: CorruptImageError.
   */
  decode(input: Buffer, limits: { maxPixels: number }): Promise<DecodedImage>;
  /** Resizes a raw image (any channel count) with lanczos3. */
  resize(image: PixelBuffer, width: number, height: number): Promise<PixelBuffer>;
  /** Encodes a raw image, resizing it first when a box is given. */
  encode(image: PixelBuffer, options: EncodeOptions): Promise<{ data: Buffer; info: EncodedInfo }>;
  /** Decodes, resizes and encodes in one streaming pipeline, with the same checks as `decode`. */
  convert(
    input: Buffer,
    options: EncodeOptions & { maxPixels: number },
  ): Promise<{ data: Buffer; info: EncodedInfo }>;
}

export interface ModelRuntime {
  readonly provider: ExecutionProvider;
  /** Every valid manifest in the models directory. */
  manifests(): Promise<ModelManifest[]>;
  /** The inference function of a variant; its session is created (and the file verified) once and reused. */
  load(resolved: ResolvedVariant): Promise<RunModel>;
  close(): Promise<void>;
}
