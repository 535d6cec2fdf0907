// Checks of the numbers in enhance and convert requests, for callers that did not come through a zod schema.
import { ValidationError } from '../errors/errors.ts';
import { OUTPUT_FORMATS } from '../jobs/spec.ts';
import type { ConvertRequest, EnhanceRequest } from '../ports/enhancer.ts';

function check(ok: boolean, field: string, rule: string, value: unknown): void {
  if (!ok)
    throw new ValidationError(`${field} must be ${rule}, got ${JSON.stringify(value)}`, { field, value });
}

const isPositiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

function checkFormat(format: unknown, quality: unknown, field: string): void {
  check(
    format === undefined || OUTPUT_FORMATS.includes(format as never),
    `${field}.format`,
    OUTPUT_FORMATS.join(' | '),
    format,
  );
  check(
    quality === undefined ||
      (Number.isInteger(quality) && (quality as number) >= 1 && (quality as number) <= 100),
    `${field}.quality`,
    'an integer from 1 to 100',
    quality,
  );
}

/** Throws ValidationError naming the first field of `request` the engine cannot honour. */
export function checkEnhanceRequest(request: EnhanceRequest): void {
  const { outscale, size, tile, output, alpha } = request;
  if (size !== undefined) {
    check(outscale === undefined, 'size', 'given without outscale (they both set the final size)', size);
    check(size.width !== undefined || size.height !== undefined, 'size', 'a width, a height or both', size);
    for (const edge of ['width', 'height'] as const)
      check(
        size[edge] === undefined || isPositiveInt(size[edge]),
        `size.${edge}`,
        'a positive integer',
        size[edge],
      );
    check(
      size.fit === undefined || ['inside', 'cover', 'fill'].includes(size.fit),
      'size.fit',
      'inside | cover | fill',
      size.fit,
    );
  }
  check(
    outscale === undefined || (Number.isFinite(outscale) && outscale > 0),
    'outscale',
    'a positive number',
    outscale,
  );
  check(tile === undefined || isPositiveInt(tile.size), 'tile.size', 'a positive integer', tile?.size);
  check(
    tile?.pad === undefined || (Number.isInteger(tile.pad) && tile.pad >= 0),
    'tile.pad',
    'a non-negative integer',
    tile?.pad,
  );
  check(alpha === undefined || alpha === 'model' || alpha === 'lanczos', 'alpha', 'model | lanczos', alpha);
  checkFormat(output?.format, output?.quality, 'output');
}

/** Throws ValidationError naming the first field of `request` that is out of range. */
export function checkConvertRequest(request: ConvertRequest): void {
  checkFormat(request.format, request.quality, 'request');
  check(request.format !== undefined, 'format', OUTPUT_FORMATS.join(' | '), request.format);
  for (const side of ['width', 'height'] as const) {
    check(
      request[side] === undefined || isPositiveInt(request[side]),
      side,
      'a positive integer',
      request[side],
    );
  }
}
