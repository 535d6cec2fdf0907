// The Enhancer port: super-resolution with installed models and plain format conversion, as the worker and ingress use them.
import type { Readable } from 'node:stream';
import type { OutputFormat } from '../jobs/spec.ts';

/** How the alpha channel of a transparent image is upscaled: through the model as grey RGB, or with lanczos3. */
export type AlphaMode = 'model' | 'lanczos';

/** Where inference runs. */
/**
 * Where inference runs: `cpu`; `webgpu` (onnxruntime's WebGPU provider: Dawn over Vulkan, so any GPU with a
 * Vulkan driver, or Mesa's lavapipe on the CPU); `cuda` (NVIDIA, needs onnxruntime's CUDA libraries).
 */
export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';

/** What to enhance with; an `EnhancementSpec` (internal/jobs/spec.ts) is one. */
export interface EnhanceRequest {
  model: string;
  /** The model's native scale; the model's default variant when absent. */
  scale?: number;
  /** Final scale relative to the input: the native result is resized with lanczos3 to round(input × outscale). */
  outscale?: number;
  /**
   * An absolute final size instead of `outscale`: `inside` keeps the aspect within the box, `cover` fills it and
   * crops the overflow from the centre, `fill` stretches. Without `scale`, the smallest native scale that
   * reaches the size runs (the largest when none does).
   */
  size?: { width?: number; height?: number; fit?: 'inside' | 'cover' | 'fill' };
  /** Core edge and overlap in input pixels; chosen from the memory budget when absent. The overlap is raised to the model's receptive-field radius when smaller, so tiles never show seams. */
  tile?: { size: number; pad?: number };
  /** Defaults: webp, quality 90. */
  output?: { format?: OutputFormat; quality?: number };
  /** Default `lanczos` (cheap, and crisp mask edges do not need a model). */
  alpha?: AlphaMode;
}

export interface EnhanceCallOptions {
  /** Aborting stops the run within one tile with CancelledError. */
  signal?: AbortSignal;
  /** Called after every tile; `total` includes the alpha pass when the alpha runs through the model. */
  onProgress?: (done: number, total: number) => void;
}

/** Interleaved 8-bit pixels, row by row: `width` × `height` × `channels` bytes. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

export interface EnhanceInfo {
  width: number;
  height: number;
  /** Encoded size in bytes. */
  size: number;
  format: OutputFormat;
  model: string;
  /** The native scale that ran. */
  scale: number;
  outscale?: number;
  durationMs: number;
  provider: ExecutionProvider;
  /** Tiles per pass. */
  tiles: number;
  tileSize: number;
  /** The overlap actually used, after raising it to the receptive-field radius. */
  pad: number;
  /** How the alpha channel was upscaled, or null for an opaque image. */
  alpha: AlphaMode | null;
}

/** Format conversion and resizing without a model, e.g. the WebP derivative of an upload. */
export interface ConvertRequest {
  format: OutputFormat;
  /** 1–100, default 90; ignored by png, which is lossless. */
  quality?: number;
  /** Bounding box; with one of them the other follows the aspect ratio. */
  width?: number;
  height?: number;
  /** `inside` (default) keeps the aspect ratio within the box; `cover` crops to fill it; `fill` stretches. */
  fit?: 'inside' | 'cover' | 'fill';
  /** Do not upscale images smaller than the box (default false). */
  withoutEnlargement?: boolean;
}

export interface ConvertInfo {
  width: number;
  height: number;
  size: number;
  format: OutputFormat;
  durationMs: number;
}

export interface EncodedImage<Info> {
  data: Buffer;
  info: Info;
}

/** An installed model as `models()` lists it. */
export interface ModelSummary {
  name: string;
  description: string;
  /** Native scales, in manifest order. */
  scales: number[];
  /** The scale a request without `scale` runs. */
  defaultScale: number;
  licence: string;
  source: { package: string; version: string; path?: string };
  /** What the model is for: the kind of picture its alias serves (photo unless an alias says otherwise). */
  kind: 'photo' | 'anime' | 'video';
  /** Where it pays to run: `gpu` for the heavy models (see RECOMMEND_GPU_MACS), else `cpu`. */
  recommendedProvider: 'cpu' | 'gpu';
  /** The cost of each native scale in multiply-adds per output pixel, where the manifest knows it. */
  costs: { scale: number; macsPerOutputPixel: number | null }[];
  /** The aliases that stand for it on each kind of worker (`pixelforge enhance --model photo`…). */
  aliases: { cpu: string[]; gpu: string[] };
}

export interface Enhancer {
  /** Upscales `input` with a model; throws UnknownModelError, UnknownScaleError, TooManyPixelsError, CorruptImageError, CancelledError. */
  enhance(
    input: Buffer | Readable,
    request: EnhanceRequest,
    options?: EnhanceCallOptions,
  ): Promise<EncodedImage<EnhanceInfo>>;
  /**
   * Upscales raw 8-bit RGB pixels (a video frame) with a model: the same model choice, tiling and limits
   * as `enhance`, without decoding or encoding. Resolves with the pixels at the model's native scale.
   */
  enhancePixels(
    image: RawImage,
    request: Pick<EnhanceRequest, 'model' | 'scale' | 'tile'>,
    options?: EnhanceCallOptions,
  ): Promise<RawImage & { scale: number }>;
  /** Re-encodes (and optionally resizes) `input` without a model. */
  convert(
    input: Buffer | Readable,
    request: ConvertRequest,
    options?: { signal?: AbortSignal },
  ): Promise<EncodedImage<ConvertInfo>>;
  /** The installed models, sorted by name. */
  models(): Promise<ModelSummary[]>;
  /** Releases the inference sessions. */
  close(): Promise<void>;
}
