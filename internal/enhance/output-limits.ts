// Size limits of the result, checked before any inference so that an impossible request fails at once.
import { TooManyPixelsError } from '../errors/errors.ts';
import type { OutputFormat } from '../jobs/spec.ts';
import { OutputTooLargeError } from './enhance-errors.ts';

/** The largest edge each format can store (WebP's 14-bit sizes, libheif's AVIF limit, libjpeg's 65500). */
export const MAX_EDGE: Readonly<Record<OutputFormat, number>> = {
  png: 2 ** 31 - 1,
  jpeg: 65_500,
  webp: 16_383,
  avif: 16_384,
};

/** Throws TooManyPixelsError or OutputTooLargeError when a `width`×`height` result cannot be produced. */
export function checkOutputSize(
  width: number,
  height: number,
  format: OutputFormat,
  maxPixels: number,
): void {
  if (width * height > maxPixels) throw new TooManyPixelsError(width, height, maxPixels);
  if (Math.max(width, height) > MAX_EDGE[format])
    throw new OutputTooLargeError(format, width, height, MAX_EDGE[format]);
}
