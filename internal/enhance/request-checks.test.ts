import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../errors/errors.ts';
import { checkConvertRequest, checkEnhanceRequest } from './request-checks.ts';

const rejects = (fn: () => void, field: string) =>
  assert.throws(
    fn,
    (err: unknown) => err instanceof ValidationError && (err.details as { field: string }).field === field,
  );

describe('request checks', () => {
  it('accepts what an EnhancementSpec allows', () => {
    checkEnhanceRequest({
      model: 'm',
      scale: 4,
      outscale: 3.5,
      tile: { size: 256, pad: 16 },
      output: { format: 'webp', quality: 90 },
    });
    checkEnhanceRequest({ model: 'm' });
    checkConvertRequest({ format: 'webp', quality: 80, width: 100 });
  });

  it('names the field the engine cannot honour', () => {
    rejects(() => checkEnhanceRequest({ model: 'm', outscale: 0 }), 'outscale');
    rejects(() => checkEnhanceRequest({ model: 'm', outscale: Number.NaN }), 'outscale');
    rejects(() => checkEnhanceRequest({ model: 'm', tile: { size: 12.5 } }), 'tile.size');
    rejects(() => checkEnhanceRequest({ model: 'm', tile: { size: 32, pad: -1 } }), 'tile.pad');
    rejects(() => checkEnhanceRequest({ model: 'm', output: { quality: 101 } }), 'output.quality');
    rejects(() => checkEnhanceRequest({ model: 'm', output: { format: 'gif' as never } }), 'output.format');
    rejects(() => checkEnhanceRequest({ model: 'm', alpha: 'keep' as never }), 'alpha');
    rejects(() => checkConvertRequest({ format: 'png', width: 0 }), 'width');
    rejects(() => checkConvertRequest({ format: 'bmp' as never }), 'request.format');
  });
});
