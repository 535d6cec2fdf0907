// The ImageCodec port on sharp (libvips): header checks, decoding to 8-bit sRGB, lanczos3 resizing and encoding.
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { CorruptImageError, TooManyPixelsError } from '../../errors/errors.ts';
import type { DecodedImage, EncodeOptions, EncodedInfo, ImageCodec } from '../../enhance/engine-ports.ts';
import type { PixelBuffer } from '../../enhance/tile-pixels.ts';
import type { OutputFormat } from '../../jobs/spec.ts';

export interface SharpCodecOptions {
  /** Background that replaces transparency in JPEG output, which has no alpha; default white. */
  jpegBackground?: string;
  /** AVIF encoder effort 0–9; default 4 (libvips' default: higher is much slower for little gain). */
  avifEffort?: number;
}

/** Creates the sharp codec. */
export function createSharpCodec({
  jpegBackground = '#ffffff',
  avifEffort = 4,
}: SharpCodecOptions = {}): ImageCodec {
  /** Opens `input` after checking its header, oriented and in 8-bit sRGB. */
  async function open(
    input: Buffer,
    maxPixels: number,
  ): Promise<{ pipeline: Sharp; hasAlpha: boolean; pixels: number }> {
    const meta = await sharp(input, { limitInputPixels: false })
      .metadata()
      .catch((err: unknown) => {
        throw corrupt(err);
      });
    if (!meta.width || !meta.height) throw new CorruptImageError('the image has no dimensions');
    // The header is trusted for this check; limitInputPixels below repeats it inside libvips, which refuses
    // to allocate more even if the header lied.
    if (meta.width * meta.height > maxPixels)
      throw new TooManyPixelsError(meta.width, meta.height, maxPixels);
    // failOn 'warning' turns truncated data into an error instead of grey rows at the bottom.
    const pipeline = sharp(input, { limitInputPixels: maxPixels, failOn: 'warning' })
      .rotate()
      .toColourspace('srgb');
    return { pipeline, hasAlpha: meta.hasAlpha, pixels: meta.width * meta.height };
  }

  /** `pixels`: an upper bound of the encoded image's pixel count. */
  function encoder(pipeline: Sharp, options: EncodeOptions, hasAlpha: boolean, pixels: number): Sharp {
    if (options.width !== undefined || options.height !== undefined) {
      pipeline = pipeline.resize({
        width: options.width,
        height: options.height,
        fit: options.fit ?? 'inside',
        withoutEnlargement: options.withoutEnlargement ?? false,
        kernel: 'lanczos3',
      });
    }
    const quality = options.quality;
    switch (options.format) {
      case 'png':
        return pipeline.png();
      case 'jpeg':
        return (hasAlpha ? pipeline.flatten({ background: jpegBackground }) : pipeline).jpeg({
          quality,
          // Optimised Huffman tables make libjpeg keep every DCT coefficient of the image (1.1 GB for a
          // 16000×12000 result); above 16 MP a few percent of size buys streaming instead.
          optimiseCoding: pixels <= 16_000_000,
        });
      case 'webp':
        return pipeline.webp({ quality });
      case 'avif':
        return pipeline.avif({ quality, effort: avifEffort });
    }
  }

  async function finish(pipeline: Sharp, format: OutputFormat): Promise<{ data: Buffer; info: EncodedInfo }> {
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return { data, info: { width: info.width, height: info.height, size: data.length, format } };
  }

  return {
    async decode(input, { maxPixels }): Promise<DecodedImage> {
      const { pipeline } = await open(input, maxPixels);
      const { data, info } = await pipeline
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true })
        .catch((err: unknown) => {
          throw corrupt(err);
        });
      if (info.channels !== 3 && info.channels !== 4) {
        throw new CorruptImageError(`decoded to ${info.channels} channels, expected RGB or RGBA`);
      }
      return { data, width: info.width, height: info.height, channels: info.channels };
    },

    async resize(image, width, height): Promise<PixelBuffer> {
      const resized = raw(image).resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
      // sharp outputs grey as sRGB unless told otherwise; a mask must stay one channel.
      const { data, info } = await (image.channels <= 2 ? resized.toColourspace('b-w') : resized)
        .raw()
        .toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: info.channels };
    },

    encode(image, options) {
      const pixels = (options.width ?? image.width) * (options.height ?? image.height);
      return finish(encoder(raw(image), options, image.channels === 4, pixels), options.format);
    },

    async convert(input, options) {
      const { pipeline, hasAlpha, pixels } = await open(input, options.maxPixels);
      const box = (options.width ?? 0) * (options.height ?? options.width ?? 0);
      return finish(encoder(pipeline, options, hasAlpha, Math.max(pixels, box)), options.format).catch(
        (err: unknown) => {
          throw corrupt(err);
        },
      );
    },
  };
}

/** A sharp pipeline reading our own raw buffer: trusted, so the pixel limit (already checked) is lifted. */
function raw(image: PixelBuffer): Sharp {
  const { data, width, height, channels } = image;
  if (channels < 1 || channels > 4) throw new RangeError(`raw images have 1–4 channels, got ${channels}`);
  return sharp(data, {
    raw: { width, height, channels: channels as 1 | 2 | 3 | 4 },
    limitInputPixels: false,
  });
}

function corrupt(err: unknown): CorruptImageError {
  const message = err instanceof Error ? err.message : String(err);
  return new CorruptImageError(`the image could not be decoded: ${message}`, { cause: message });
}
