import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { CancelledError, CorruptImageError, TooManyPixelsError } from '../../errors/errors.ts';
import { maxDiff, orientedPng, photoLikePng, pngBombHeader, rawOf } from '../sharp/test-images.ts';
import { createEnhancer } from './create-enhancer.ts';

const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
const model = { model: 'esrgan-slim', scale: 4 };

// The model is committed in models/: a missing one fails here instead of skipping.
describe('esrgan-slim ×4 through the whole engine', () => {
  const enhancer = createEnhancer({ modelsDir, threads: 2 });
  after(() => enhancer.close());

  it('has no seams: tiles of 32, 17 and 40 match the untiled result within one level', async () => {
    const input = await photoLikePng(96, 80);
    const whole = await enhancer.enhance(input, { ...model, output: { format: 'png' } });
    assert.equal(whole.info.tiles, 1);
    const reference = (await rawOf(whole.data)).data;
    for (const size of [32, 17, 40]) {
      const tiled = await enhancer.enhance(input, {
        ...model,
        tile: { size, pad: 0 },
        output: { format: 'png' },
      });
      assert.ok(tiled.info.tiles >= 6);
      assert.ok(tiled.info.pad >= 8, `measured receptive field ${tiled.info.pad}`);
      assert.ok(maxDiff((await rawOf(tiled.data)).data, reference) <= 1, `tile ${size}`);
    }
  });

  it('an absolute size: one edge keeps the aspect, a box fits inside, covers or fills; the scale follows', async () => {
    const input = await photoLikePng(40, 30);
    const run = (
      size: { width?: number; height?: number; fit?: 'inside' | 'cover' | 'fill' },
      scale?: number,
    ) =>
      enhancer.enhance(input, {
        model: 'esrgan-slim',
        ...(scale ? { scale } : {}),
        size,
        output: { format: 'png' },
      });
    const cases: [Parameters<typeof run>[0], number | undefined, [number, number], number][] = [
      [{ width: 100 }, undefined, [100, 75], 3], // ×2.5: the smallest native scale that reaches it is 3
      [{ height: 60 }, undefined, [80, 60], 2],
      [{ width: 100, height: 100 }, undefined, [100, 75], 3], // inside: the box's narrower ratio
      [{ width: 100, height: 100, fit: 'cover' }, undefined, [100, 100], 4], // needs ×3.33: scale 4
      [{ width: 50, height: 200, fit: 'fill' }, undefined, [50, 200], 8], // needs ×6.67: scale 8
      [{ width: 60 }, 4, [60, 45], 4], // a scale given is kept, and the result brought down
      [{ width: 1000 }, undefined, [1000, 750], 8], // beyond every scale: the largest, then resized
    ];
    for (const [size, scale, dims, native] of cases) {
      const { data, info } = await run(size, scale);
      const meta = await sharp(data).metadata();
      assert.deepEqual([meta.width, meta.height], dims, JSON.stringify(size));
      assert.deepEqual([info.width, info.height, info.scale], [...dims, native], JSON.stringify(size));
    }
    await assert.rejects(
      enhancer.enhance(input, { model: 'esrgan-slim', outscale: 2, size: { width: 10 } }),
      /size must be given without outscale/,
    );
    await assert.rejects(
      enhancer.enhance(input, { model: 'esrgan-slim', size: {} }),
      /size must be a width, a height/,
    );
  });

  it('handles odd sizes: 1×1, 37×53, 5×200, tiled or not', async () => {
    for (const [w, h] of [
      [1, 1],
      [37, 53],
      [5, 200],
    ] as const) {
      const input = await photoLikePng(w, h);
      const { data, info } = await enhancer.enhance(input, { ...model, output: { format: 'png' } });
      assert.deepEqual([info.width, info.height], [w * 4, h * 4]);
      const tiled = await enhancer.enhance(input, {
        ...model,
        tile: { size: 16 },
        output: { format: 'png' },
      });
      assert.ok(maxDiff((await rawOf(tiled.data)).data, (await rawOf(data)).data) <= 1, `${w}×${h} tiled`);
      if (w * h === 1) continue; // one pixel is mostly zero padding to the model: no likeness to expect
      // Brought back down, the result is the input again, give or take the model's sharpening.
      const back = await sharp(data).resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
      const original = await sharp(input).raw().toBuffer();
      const mean = back.reduce((s, v, i) => s + Math.abs(v - original[i]!), 0) / back.length;
      assert.ok(mean < 12, `${w}×${h}: mean difference ${mean}`);
    }
  });

  it('round-trips alpha, through the model and with lanczos', async () => {
    const input = await photoLikePng(40, 30, 4);
    const alphaIn = await sharp(input).extractChannel(3).raw().toBuffer();
    for (const alpha of ['model', 'lanczos'] as const) {
      const { data, info } = await enhancer.enhance(input, {
        ...model,
        alpha,
        output: { format: 'webp', quality: 100 },
      });
      assert.equal(info.alpha, alpha);
      assert.equal((await sharp(data).metadata()).hasAlpha, true);
      const back = await sharp(data)
        .extractChannel(3)
        .resize(40, 30, { fit: 'fill' })
        .toColourspace('b-w')
        .raw()
        .toBuffer();
      const mean = back.reduce((s, v, i) => s + Math.abs(v - alphaIn[i]!), 0) / back.length;
      assert.ok(mean < 4, `${alpha}: mean alpha difference ${mean}`);
    }
  });

  it('applies the EXIF orientation', async () => {
    const { data, info } = await enhancer.enhance(await orientedPng(), {
      ...model,
      output: { format: 'png' },
    });
    assert.deepEqual([info.width, info.height], [80, 160]);
    const { data: px } = await rawOf(data);
    const top = px.subarray((20 * 80 + 40) * 3, (20 * 80 + 40) * 3 + 3);
    const bottom = px.subarray((140 * 80 + 40) * 3, (140 * 80 + 40) * 3 + 3);
    assert.ok(top[0]! > 200 && top[2]! < 50, `top is red: ${Array.from(top)}`);
    assert.ok(bottom[2]! > 200 && bottom[0]! < 50, `bottom is blue: ${Array.from(bottom)}`);
  });

  it('stops within one tile when cancelled', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      enhancer.enhance(
        await photoLikePng(96, 80),
        { ...model, tile: { size: 32 } },
        {
          signal: controller.signal,
          onProgress: (done) => {
            seen.push(done);
            if (done === 2) controller.abort();
          },
        },
      ),
      CancelledError,
    );
    assert.deepEqual(seen, [0, 1, 2], '0 before the first tile, then no tile after the abort');
  });

  it('refuses corrupt input, and too many pixels before decoding', async () => {
    const png = await photoLikePng(32, 32);
    await assert.rejects(enhancer.enhance(png.subarray(0, png.length - 40), model), CorruptImageError);
    // A 1.6-gigapixel header without pixel data: decoding it would fail as corrupt, so this error shows the
    // header was checked first.
    await assert.rejects(enhancer.enhance(pngBombHeader(40_000, 40_000), model), TooManyPixelsError);
  });

  it('converts to WebP without a model', async () => {
    const { data, info } = await enhancer.convert(await photoLikePng(96, 80), {
      format: 'webp',
      quality: 80,
    });
    assert.deepEqual([info.width, info.height, info.format], [96, 80, 'webp']);
    assert.equal((await sharp(data).metadata()).format, 'webp');
  });
});
