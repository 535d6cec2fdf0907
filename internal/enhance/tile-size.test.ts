import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ACTIVATION_HEADROOM,
  DEFAULT_MEMORY_BUDGET_BYTES,
  MAX_AUTO_TILE,
  MIN_AUTO_TILE,
  chooseTileSize,
  estimateBytesPerInputPixel,
} from './tile-size.ts';

const MiB = 1024 * 1024;

describe('chooseTileSize', () => {
  const base = { width: 4000, height: 3000, pad: 16, bytesPerInputPixel: estimateBytesPerInputPixel(4) };

  it('keeps the padded tile within the budget', () => {
    for (const budget of [64 * MiB, 128 * MiB, 256 * MiB]) {
      const size = chooseTileSize({ ...base, budgetBytes: budget });
      assert.ok((size + 32) ** 2 * base.bytesPerInputPixel <= budget, `budget ${budget}`);
      assert.ok((size + 33) ** 2 * base.bytesPerInputPixel > budget || size === MAX_AUTO_TILE);
    }
  });

  it('grows with the budget up to the cap, and has a floor', () => {
    const small = chooseTileSize({ ...base, budgetBytes: 32 * MiB });
    const large = chooseTileSize({ ...base, budgetBytes: 256 * MiB });
    assert.ok(small < large);
    assert.equal(chooseTileSize({ ...base, budgetBytes: 64 * 1024 * MiB }), MAX_AUTO_TILE);
    assert.equal(chooseTileSize({ ...base, budgetBytes: 1024 }), MIN_AUTO_TILE);
  });

  it('keeps a whole image that fits the budget in one tile, since one tile needs no padding', () => {
    const bpp = base.bytesPerInputPixel;
    assert.equal(chooseTileSize({ ...base, width: 256, height: 200, budgetBytes: 256 * 200 * bpp }), 256);
    assert.ok(chooseTileSize({ ...base, width: 256, height: 200, budgetBytes: 256 * 200 * bpp - 1 }) < 256);
  });

  it('does not exceed the image', () => {
    assert.equal(chooseTileSize({ ...base, width: 37, height: 53, budgetBytes: 512 * MiB }), 53);
    assert.equal(chooseTileSize({ ...base, width: 1, height: 1, budgetBytes: 512 * MiB }), 1);
  });

  it('does not depend on the image size beyond that: memory is per tile', () => {
    const a = chooseTileSize({ ...base, budgetBytes: 128 * MiB });
    const b = chooseTileSize({ ...base, width: 16000, height: 12000, budgetBytes: 128 * MiB });
    assert.equal(a, b);
  });
});

describe('estimateBytesPerInputPixel', () => {
  it("takes the manifest's planned activations with headroom, else a conservative default", () => {
    const io = 4 * 3 + 4 * 3 * 16;
    assert.equal(estimateBytesPerInputPixel(4, 780), io + ACTIVATION_HEADROOM * 780);
    assert.equal(estimateBytesPerInputPixel(4), io + 7 * 1024);
  });

  it('lets a 512×512 image with a light model run as one tile in the default budget', () => {
    const size = chooseTileSize({
      width: 512,
      height: 512,
      pad: 32,
      budgetBytes: DEFAULT_MEMORY_BUDGET_BYTES,
      bytesPerInputPixel: estimateBytesPerInputPixel(4, 780),
    });
    assert.equal(size, 512);
  });
});
