import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { planTiles } from './tile-plan.ts';

describe('planTiles', () => {
  it('partitions the image: every pixel belongs to exactly one core', () => {
    for (const [width, height, tileSize] of [
      [96, 80, 32],
      [97, 53, 20],
      [1, 1, 32],
      [5, 200, 16],
      [300, 7, 64],
    ] as const) {
      const plan = planTiles({ width, height, tileSize, pad: 6 });
      const owners = new Uint8Array(width * height);
      for (const { core } of plan.tiles) {
        for (let y = core.y; y < core.y + core.height; y++) {
          for (let x = core.x; x < core.x + core.width; x++) owners[y * width + x]!++;
        }
      }
      assert.ok(
        owners.every((n) => n === 1),
        `${width}×${height} tile ${tileSize}`,
      );
      assert.equal(plan.tiles.length, plan.columns * plan.rows);
      assert.ok(plan.tileSize <= tileSize);
    }
  });

  it('grows each core by the pad, clipped to the image', () => {
    const plan = planTiles({ width: 100, height: 60, tileSize: 40, pad: 8 });
    for (const { core, padded } of plan.tiles) {
      assert.equal(padded.x, Math.max(0, core.x - 8));
      assert.equal(padded.y, Math.max(0, core.y - 8));
      assert.equal(padded.x + padded.width, Math.min(100, core.x + core.width + 8));
      assert.equal(padded.y + padded.height, Math.min(60, core.y + core.height + 8));
    }
  });

  it('balances cores instead of leaving a thin last tile', () => {
    const plan = planTiles({ width: 100, height: 10, tileSize: 64, pad: 0 });
    assert.deepEqual(
      plan.tiles.map((t) => t.core.width),
      [50, 50],
    );
  });

  it('uses one tile when the image fits', () => {
    const plan = planTiles({ width: 37, height: 53, tileSize: 64, pad: 16 });
    assert.equal(plan.tiles.length, 1);
    assert.deepEqual(plan.tiles[0]!.padded, { x: 0, y: 0, width: 37, height: 53 });
  });

  it('refuses sizes that are not positive integers', () => {
    assert.throws(() => planTiles({ width: 0, height: 5, tileSize: 4, pad: 0 }), RangeError);
    assert.throws(() => planTiles({ width: 5, height: 5, tileSize: 2.5, pad: 0 }), RangeError);
    assert.throws(() => planTiles({ width: 5, height: 5, tileSize: 4, pad: -1 }), RangeError);
  });
});
