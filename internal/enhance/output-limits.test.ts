import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TooManyPixelsError } from '../errors/errors.ts';
import { OutputTooLargeError } from './enhance-errors.ts';
import { checkOutputSize } from './output-limits.ts';

describe('checkOutputSize', () => {
  it('accepts a 4000×3000 ×4 result in every format but WebP and AVIF, whose edge limit it exceeds', () => {
    for (const format of ['png', 'jpeg'] as const) checkOutputSize(16000, 12000, format, 0x3fff * 0x3fff);
    checkOutputSize(16000, 12000, 'webp', 0x3fff * 0x3fff);
    assert.throws(() => checkOutputSize(16384, 100, 'webp', 1e9), OutputTooLargeError);
    assert.throws(
      () => checkOutputSize(100, 16385, 'avif', 1e9),
      /avif, which stores at most 16384 pixels per side/,
    );
  });

  it('refuses more pixels than the limit', () => {
    assert.throws(() => checkOutputSize(32000, 24000, 'png', 0x3fff * 0x3fff), TooManyPixelsError);
  });
});
