// The Enhancer service: resolves the model, decodes, upscales in tiles, resizes to the outscale and encodes.
import type { Readable } from 'node:stream';
import type {
  AlphaMode,
  ConvertInfo,
  EncodedImage,
  EnhanceCallOptions,
  EnhanceInfo,
  EnhanceRequest,
  Enhancer,
} from '../ports/enhancer.ts';
import type { ImageCodec, ModelRuntime } from './engine-ports.ts';
import { MODEL_ALIASES, resolveVariant, summarise } from './model-catalogue.ts';
import { checkOutputSize } from './output-limits.ts';
import { checkConvertRequest, checkEnhanceRequest } from './request-checks.ts';
import type { ResolvedVariant } from './model-catalogue.ts';
import { measureReceptiveField } from './receptive-field.ts';
import type { ReceptiveField, RunModel } from './receptive-field.ts';
import { createSerialQueue, throwIfCancelled } from './run-tiles.ts';
import { DEFAULT_MEMORY_BUDGET_BYTES, chooseTileSize, estimateBytesPerInputPixel } from './tile-size.ts';
import { upscaleImage } from './upscale-image.ts';
import type { PixelBuffer } from './tile-pixels.ts';

/** libvips' own default pixel limit: larger outputs could not be encoded without lifting it. */
export const DEFAULT_MAX_OUTPUT_PIXELS = 0x3fff * 0x3fff;
export const DEFAULT_MAX_INPUT_PIXELS = 40_000_000;

export interface EnhanceServiceOptions {
  runtime: ModelRuntime;
  codec: ImageCodec;
  /** Working-set budget of one tile's inference, which picks the tile size; default 512 MiB. */
  memoryBudgetBytes?: number;
  /** Inputs with more pixels are refused before decoding; default 40 M. */
  maxInputPixels?: number;
  /** Results (at native scale or outscale) with more pixels are refused before inference; default 0x3fff². */
  maxOutputPixels?: number;
  /** Alpha handling when a request names none; default `lanczos`. */
  alpha?: AlphaMode;
  /** What `auto`, `photo`, `anime` and `video` stand for; default the CPU choices of MODEL_ALIASES. */
  aliases?: Readonly<Record<string, string>>;
}

/** Creates the engine on top of a model runtime and an image codec. */
export function createEnhanceService({
  runtime,
  codec,
  memoryBudgetBytes = DEFAULT_MEMORY_BUDGET_BYTES,
  maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
  maxOutputPixels = DEFAULT_MAX_OUTPUT_PIXELS,
  alpha: defaultAlpha = 'lanczos',
  aliases = MODEL_ALIASES.cpu,
}: EnhanceServiceOptions): Enhancer {
  const inference = createSerialQueue();
  const fields = new Map<string, Promise<ReceptiveField>>();

  /** Recorded in the manifest, or measured once per variant and process: it depends only on the graph. */
  function receptiveField(resolved: ResolvedVariant, run: RunModel): Promise<ReceptiveField> {
    if (resolved.variant.receptiveField) return Promise.resolve(resolved.variant.receptiveField);
    const key = `${resolved.manifest.name}@${resolved.variant.scale}`;
    let field = fields.get(key);
    if (!field) {
      const { manifest, variant } = resolved;
      field = measureReceptiveField({
        run,
        scale: variant.scale,
        input: { layout: manifest.layout, range: manifest.inputRange },
        output: { layout: manifest.layout, range: manifest.outputRange },
      });
      field.catch(() => fields.delete(key));
      fields.set(key, field);
    }
    return field;
  }

  /** Runs the model over `image` in tiles chosen from the memory budget (inside the inference queue). */
  async function upscaleWith(
    resolved: ResolvedVariant,
    image: PixelBuffer,
    tile: EnhanceRequest['tile'],
    alpha: AlphaMode,
    { signal, onProgress }: EnhanceCallOptions,
  ) {
    const { manifest, variant } = resolved;
    const scale = variant.scale;
    const run = await runtime.load(resolved);
    const field = await receptiveField(resolved, run);
    const pad = Math.max(tile?.pad ?? 0, field.radius);
    const tileSize =
      tile?.size ??
      chooseTileSize({
        width: image.width,
        height: image.height,
        pad,
        budgetBytes: memoryBudgetBytes,
        bytesPerInputPixel: estimateBytesPerInputPixel(scale, variant.activationBytesPerInputPixel),
      });
    return upscaleImage({
      image,
      run,
      scale,
      input: { layout: manifest.layout, range: manifest.inputRange },
      output: { layout: manifest.layout, range: manifest.outputRange },
      tileSize,
      pad,
      alpha,
      resize: (plane, width, height) => codec.resize(plane, width, height),
      signal,
      onProgress,
    });
  }

  /** The final size of `size` for an image: one edge keeps the aspect; a box is fitted by `fit`. */
  function sizeFor(image: { width: number; height: number }, size: NonNullable<EnhanceRequest['size']>) {
    const { width, height, fit = 'inside' } = size;
    if (width !== undefined && height !== undefined) {
      if (fit !== 'inside') return { width, height };
      const ratio = Math.min(width / image.width, height / image.height);
      return {
        width: Math.max(1, Math.round(image.width * ratio)),
        height: Math.max(1, Math.round(image.height * ratio)),
      };
    }
    const ratio = width !== undefined ? width / image.width : height! / image.height;
    return {
      width: width ?? Math.max(1, Math.round(image.width * ratio)),
      height: height ?? Math.max(1, Math.round(image.height * ratio)),
    };
  }

  return {
    async enhance(
      input: Buffer | Readable,
      request: EnhanceRequest,
      { signal, onProgress }: EnhanceCallOptions = {},
    ): Promise<EncodedImage<EnhanceInfo>> {
      const started = performance.now();
      checkEnhanceRequest(request);
      const manifests = await runtime.manifests();
      let resolved = resolveVariant(manifests, request.model, request.scale, aliases);
      const image = await codec.decode(await readAll(input, signal), { maxPixels: maxInputPixels });
      const sized = request.size ? sizeFor(image, request.size) : undefined;
      if (sized && request.scale === undefined) {
        const needed = Math.max(sized.width / image.width, sized.height / image.height);
        const scales = resolved.manifest.variants.map((v) => v.scale).sort((a, b) => a - b);
        const enough = scales.find((s) => s >= needed) ?? scales[scales.length - 1]!;
        resolved = resolveVariant(manifests, request.model, enough, aliases);
      }
      const { manifest, variant } = resolved;
      const scale = variant.scale;
      const native = { width: image.width * scale, height: image.height * scale };
      const final =
        sized ??
        (request.outscale === undefined
          ? native
          : {
              width: Math.max(1, Math.round(image.width * request.outscale)),
              height: Math.max(1, Math.round(image.height * request.outscale)),
            });
      const format = request.output?.format ?? 'webp';
      // The native result lives in memory whatever the format; the final one must also fit the format.
      checkOutputSize(native.width, native.height, 'png', maxOutputPixels);
      checkOutputSize(final.width, final.height, format, maxOutputPixels);
      const alpha = request.alpha ?? defaultAlpha;

      // Encoding is inside the queue too, so that one output buffer at most is alive per process.
      const { encoded, plan } = await inference.run(async () => {
        const upscaled = await upscaleWith(resolved, image, request.tile, alpha, { signal, onProgress });
        const resized = final.width !== native.width || final.height !== native.height;
        const result = await codec.encode(upscaled.image, {
          format,
          quality: request.output?.quality ?? 90,
          ...(resized
            ? {
                width: final.width,
                height: final.height,
                fit: request.size?.fit === 'cover' ? 'cover' : 'fill',
              }
            : {}),
        });
        return { encoded: result, plan: upscaled.plan };
      }, signal);

      return {
        data: encoded.data,
        info: {
          width: encoded.info.width,
          height: encoded.info.height,
          size: encoded.info.size,
          format,
          model: manifest.name,
          scale,
          ...(request.outscale === undefined ? {} : { outscale: request.outscale }),
          durationMs: performance.now() - started,
          provider: runtime.provider,
          tiles: plan.tiles.length,
          tileSize: plan.tileSize,
          pad: plan.pad,
          alpha: image.channels === 4 ? alpha : null,
        },
      };
    },

    async enhancePixels(image, request, { signal, onProgress } = {}) {
      checkEnhanceRequest(request);
      if (image.data.length !== image.width * image.height * 3 || image.width < 1 || image.height < 1)
        throw new RangeError(`${image.data.length} bytes are not a ${image.width}×${image.height} RGB image`);
      const resolved = resolveVariant(await runtime.manifests(), request.model, request.scale, aliases);
      const scale = resolved.variant.scale;
      checkOutputSize(image.width * scale, image.height * scale, 'png', maxOutputPixels);
      const { image: upscaled } = await inference.run(
        () => upscaleWith(resolved, image, request.tile, defaultAlpha, { signal, onProgress }),
        signal,
      );
      return { data: upscaled.data, width: upscaled.width, height: upscaled.height, channels: 3, scale };
    },

    async convert(input, request, { signal } = {}): Promise<EncodedImage<ConvertInfo>> {
      const started = performance.now();
      checkConvertRequest(request);
      const bytes = await readAll(input, signal);
      const { data, info } = await codec.convert(bytes, {
        ...request,
        quality: request.quality ?? 90,
        maxPixels: maxInputPixels,
      });
      return { data, info: { ...info, durationMs: performance.now() - started } };
    },

    async models() {
      return summarise(await runtime.manifests());
    },

    close: () => runtime.close(),
  };
}

/** The whole input; images are decoded from memory because the header is read before the pixels. */
async function readAll(input: Buffer | Readable, signal: AbortSignal | undefined): Promise<Buffer> {
  throwIfCancelled(signal);
  if (Buffer.isBuffer(input)) return input;
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    throwIfCancelled(signal);
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  }
  return Buffer.concat(chunks);
}
