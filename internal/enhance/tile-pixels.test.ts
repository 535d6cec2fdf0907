import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readTile, writeTile } from './tile-pixels.ts';
import type { PixelBuffer, TensorFormat } from './tile-pixels.ts';
import type { Tile } from './tile-plan.ts';

const image: PixelBuffer = {
  width: 4,
  height: 3,
  channels: 4,
  data: Uint8Array.from({ length: 48 }, (_, i) => (i * 7) % 256),
};
const pixel = (x: number, y: number) => Array.from(image.data.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 4));

describe('readTile', () => {
  it('lays out NCHW and NHWC tensors in the model range', () => {
    const rect = { x: 1, y: 1, width: 2, height: 2 };
    const nchw = readTile(image, rect, { layout: 'NCHW', range: [0, 255] }, 'rgb');
    const nhwc = readTile(image, rect, { layout: 'NHWC', range: [0, 1] }, 'rgb');
    const [r, g, b] = pixel(2, 1);
    // pixel (2,1) is the second pixel of the tile's first row
    assert.deepEqual([nchw[1], nchw[4 + 1], nchw[8 + 1]], [r, g, b]);
    assert.ok(Math.abs(nhwc[3]! - r! / 255) < 1e-7);
    assert.ok(Math.abs(nhwc[5]! - b! / 255) < 1e-7);
  });

  it('replicates alpha as grey in the alpha pass', () => {
    const t = readTile(
      image,
      { x: 3, y: 2, width: 1, height: 1 },
      { layout: 'NCHW', range: [0, 255] },
      'alpha',
    );
    const a = pixel(3, 2)[3]!;
    assert.deepEqual(Array.from(t), [a, a, a]);
  });
});

describe('writeTile', () => {
  const format: TensorFormat = { layout: 'NCHW', range: [0, 255] };
  // A ×2 tile whose padded window is 3×2 at (1,0) and whose core is its 1×1 pixel at (2,1).
  const tile: Tile = {
    index: 0,
    core: { x: 2, y: 1, width: 1, height: 1 },
    padded: { x: 1, y: 0, width: 3, height: 2 },
  };
  const tensor = new Float32Array(3 * 6 * 4).map((_, i) => i - 20.4);

  it('copies only the core, rounded and clamped to 8 bits', () => {
    const out: PixelBuffer = { width: 8, height: 6, channels: 3, data: new Uint8Array(8 * 6 * 3).fill(7) };
    writeTile(out, tensor, tile, 2, format, 'rgb');
    const written = new Set<number>();
    for (let y = 2; y < 4; y++) {
      for (let x = 4; x < 6; x++) {
        const src = (y - 0) * 6 + (x - 2);
        const dst = (y * 8 + x) * 3;
        for (let c = 0; c < 3; c++) {
          const expected = Math.min(255, Math.max(0, Math.round(tensor[c * 24 + src]!)));
          assert.equal(out.data[dst + c], expected, `(${x},${y}) channel ${c}`);
          written.add(dst + c);
        }
      }
    }
    out.data.forEach((v, i) => written.has(i) || assert.equal(v, 7, `byte ${i} outside the core changed`));
  });

  it('writes the mean of the model channels to alpha in the alpha pass, leaving colour alone', () => {
    const out: PixelBuffer = { width: 8, height: 6, channels: 4, data: new Uint8Array(8 * 6 * 4).fill(7) };
    writeTile(out, new Float32Array(72).fill(100), tile, 2, format, 'alpha');
    const at = (2 * 8 + 4) * 4;
    assert.deepEqual(Array.from(out.data.subarray(at, at + 4)), [7, 7, 7, 100]);
  });

  it('maps a [0, 1] output range to 0..255', () => {
    const out: PixelBuffer = { width: 8, height: 6, channels: 3, data: new Uint8Array(8 * 6 * 3) };
    writeTile(out, new Float32Array(72).fill(0.5), tile, 2, { layout: 'NHWC', range: [0, 1] }, 'rgb');
    assert.equal(out.data[(2 * 8 + 4) * 3], 128);
  });

  it('refuses an output of the wrong size', () => {
    const out: PixelBuffer = { width: 8, height: 6, channels: 3, data: new Uint8Array(8 * 6 * 3) };
    assert.throws(() => writeTile(out, new Float32Array(10), tile, 2, format, 'rgb'), RangeError);
  });
});
