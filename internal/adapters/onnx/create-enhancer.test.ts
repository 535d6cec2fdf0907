import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { CancelledError, CorruptImageError, TooManyPixelsError } from '../../errors/errors.ts';
import { OutputTooLargeError, UnknownModelError, UnknownScaleError } from '../../enhance/enhance-errors.ts';
import type { Enhancer } from '../../ports/enhancer.ts';
import { maxDiff, noiseRaw, orientedPng, photoLikePng, pngBombHeader, rawOf } from '../sharp/test-images.ts';
import { createEnhancer } from './create-enhancer.ts';
import { writeTestModels } from './test-models.ts';

describe('createEnhancer with small real ONNX models', () => {
  let dir: string;
  let enhancer: Enhancer;
  before(async () => {
    dir = await writeTestModels(await mkdtemp(join(tmpdir(), 'pf-enhancer-')));
    enhancer = createEnhancer({ modelsDir: dir, threads: 1 });
  });
  after(async () => {
    await enhancer.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the installed models', async () => {
    const models = await enhancer.models();
    assert.deepEqual(
      models.map((m) => [m.name, m.scales, m.defaultScale]),
      [
        ['conv', [2], 2],
        ['nearest', [2, 4], 2],
        ['nearest-unit', [2], 2],
      ],
    );
  });

  it('moves pixels through the model exactly: nearest ×4 equals pixel replication, also in a [0, 1] model', async () => {
    const input = await photoLikePng(37, 53);
    const expected = await sharp(input)
      .resize(37 * 4, 53 * 4, { kernel: 'nearest' })
      .raw()
      .toBuffer();
    const x4 = await enhancer.enhance(input, { model: 'nearest', scale: 4, output: { format: 'png' } });
    assert.equal(maxDiff((await rawOf(x4.data)).data, expected), 0);
    const unit = await enhancer.enhance(input, { model: 'nearest-unit', output: { format: 'png' } });
    const expected2 = await sharp(input).resize(74, 106, { kernel: 'nearest' }).raw().toBuffer();
    assert.equal(maxDiff((await rawOf(unit.data)).data, expected2), 0);
  });

  it('enhancePixels (video frames): raw RGB in, the same pixels as enhance out, tiled too; bad sizes refused', async () => {
    const input = await photoLikePng(37, 53);
    const { data } = await rawOf(input);
    const frame = { data: new Uint8Array(data), width: 37, height: 53, channels: 3 as const };
    const viaImage = await enhancer.enhance(input, { model: 'conv', output: { format: 'png' } });
    for (const tile of [undefined, { size: 16 }]) {
      const out = await enhancer.enhancePixels(frame, { model: 'conv', ...(tile ? { tile } : {}) });
      assert.deepEqual([out.width, out.height, out.channels, out.scale], [74, 106, 3, 2]);
      assert.ok(maxDiff(out.data, (await rawOf(viaImage.data)).data) <= 1, `tile ${tile?.size}`);
    }
    await assert.rejects(
      enhancer.enhancePixels({ ...frame, width: 36 }, { model: 'conv' }),
      /are not a 36×53 RGB image/,
    );
    await assert.rejects(enhancer.enhancePixels(frame, { model: 'nope' }), UnknownModelError);
  });

  it('has no seams: any tile size gives the untiled result within one level', async () => {
    const input = await photoLikePng(61, 45);
    const whole = await enhancer.enhance(input, { model: 'conv', output: { format: 'png' } });
    assert.equal(whole.info.tiles, 1);
    const reference = (await rawOf(whole.data)).data;
    const clipped = reference.filter((v) => v === 0 || v === 255).length;
    assert.ok(clipped < reference.length / 4, 'the model output is not saturated');
    for (const size of [7, 16, 20, 23, 32]) {
      const tiled = await enhancer.enhance(input, {
        model: 'conv',
        tile: { size, pad: 0 },
        output: { format: 'png' },
      });
      assert.ok(tiled.info.tiles > 1);
      assert.equal(tiled.info.pad, 2, 'the pad is raised to the receptive-field radius');
      assert.ok(maxDiff((await rawOf(tiled.data)).data, reference) <= 1, `tile ${size}`);
    }
  });

  it('resizes to round(input × outscale) with lanczos3', async () => {
    const input = await photoLikePng(37, 53);
    const r = await enhancer.enhance(input, { model: 'nearest', outscale: 1.5, output: { format: 'png' } });
    assert.deepEqual([r.info.width, r.info.height, r.info.scale, r.info.outscale], [56, 80, 2, 1.5]);
    const up = await enhancer.enhance(input, {
      model: 'nearest',
      scale: 2,
      outscale: 3,
      output: { format: 'webp' },
    });
    assert.deepEqual([up.info.width, up.info.height], [111, 159]);
  });

  it('encodes every output format and reports what it did', async () => {
    const input = await photoLikePng(20, 10);
    for (const format of ['png', 'jpeg', 'webp', 'avif'] as const) {
      const { data, info } = await enhancer.enhance(input, {
        model: 'conv',
        output: { format, quality: 70 },
      });
      assert.equal((await sharp(data).metadata()).format, format === 'avif' ? 'heif' : format);
      assert.equal(info.size, data.length);
      assert.deepEqual(
        [info.width, info.height, info.format, info.model, info.provider],
        [40, 20, format, 'conv', 'cpu'],
      );
      assert.ok(info.durationMs > 0);
    }
  });

  it('keeps alpha: through the model or with lanczos', async () => {
    const input = await photoLikePng(24, 18, 4);
    const alphaIn = await sharp(input).extractChannel(3).raw().toBuffer();
    const viaModel = await enhancer.enhance(input, {
      model: 'nearest',
      alpha: 'model',
      output: { format: 'png' },
    });
    assert.equal(viaModel.info.alpha, 'model');
    const out = await rawOf(viaModel.data);
    assert.equal(out.info.channels, 4);
    const alphaOut = await sharp(viaModel.data).extractChannel(3).raw().toBuffer();
    const nearestAlpha = await sharp(alphaIn, { raw: { width: 24, height: 18, channels: 1 } })
      .resize(48, 36, { kernel: 'nearest' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    assert.equal(maxDiff(alphaOut, nearestAlpha), 0);

    const viaLanczos = await enhancer.enhance(input, { model: 'nearest', output: { format: 'png' } });
    assert.equal(viaLanczos.info.alpha, 'lanczos');
    const lanczosAlpha = await sharp(alphaIn, { raw: { width: 24, height: 18, channels: 1 } })
      .resize(48, 36, { kernel: 'lanczos3', fit: 'fill' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    assert.equal(maxDiff(await sharp(viaLanczos.data).extractChannel(3).raw().toBuffer(), lanczosAlpha), 0);
  });

  it('applies the EXIF orientation before upscaling', async () => {
    const r = await enhancer.enhance(await orientedPng(), { model: 'nearest', output: { format: 'png' } });
    assert.deepEqual([r.info.width, r.info.height], [40, 80]);
    const { data } = await rawOf(r.data);
    assert.deepEqual(Array.from(data.subarray((10 * 40 + 20) * 3, (10 * 40 + 20) * 3 + 3)), [255, 0, 0]);
  });

  it('reports progress per tile and stops within one tile when cancelled', async () => {
    const input = await photoLikePng(64, 64);
    const progress: [number, number][] = [];
    await enhancer.enhance(
      input,
      { model: 'conv', tile: { size: 16 } },
      { onProgress: (d, t) => progress.push([d, t]) },
    );
    assert.deepEqual(
      progress,
      Array.from({ length: 17 }, (_, i) => [i, 16]),
    );

    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      enhancer.enhance(
        input,
        { model: 'conv', tile: { size: 16 } },
        {
          signal: controller.signal,
          onProgress: (done) => {
            seen = done;
            if (done === 3) controller.abort();
          },
        },
      ),
      CancelledError,
    );
    assert.equal(seen, 3);
    // An aborted signal never starts.
    await assert.rejects(
      enhancer.enhance(input, { model: 'conv' }, { signal: AbortSignal.abort() }),
      CancelledError,
    );
  });

  it('names what exists for an unknown model or scale', async () => {
    const input = await photoLikePng(8, 8);
    await assert.rejects(enhancer.enhance(input, { model: 'esrgan-huge' }), (err: unknown) => {
      assert.ok(err instanceof UnknownModelError);
      assert.match(err.message, /available models: conv, nearest, nearest-unit/);
      return true;
    });
    await assert.rejects(enhancer.enhance(input, { model: 'nearest', scale: 3 }), (err: unknown) => {
      assert.ok(err instanceof UnknownScaleError);
      assert.match(err.message, /available scales: ×2, ×4/);
      return true;
    });
  });

  it('refuses corrupt input and too many pixels (from the header, or for the result)', async () => {
    const png = await photoLikePng(32, 32);
    await assert.rejects(enhancer.enhance(png.subarray(0, 100), { model: 'nearest' }), CorruptImageError);
    await assert.rejects(
      enhancer.enhance(pngBombHeader(30_000, 30_000), { model: 'nearest' }),
      TooManyPixelsError,
    );
    const tight = createEnhancer({ modelsDir: dir, threads: 1, maxOutputPixels: 4000 });
    await assert.rejects(tight.enhance(png, { model: 'nearest', scale: 4 }), TooManyPixelsError);
    await assert.rejects(tight.enhance(png, { model: 'nearest', outscale: 8 }), TooManyPixelsError);
    await tight.close();
    // 4100 × 4 is wider than WebP can store: refused before any inference.
    const wide = await sharp({ create: { width: 4100, height: 2, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await assert.rejects(
      enhancer.enhance(wide, { model: 'nearest', scale: 4, output: { format: 'webp' } }),
      OutputTooLargeError,
    );
  });

  it('runs concurrent requests one inference at a time, never interleaving their tiles', async () => {
    const input = await photoLikePng(48, 48);
    const events: string[] = [];
    const request = (name: string) =>
      enhancer.enhance(
        input,
        { model: 'conv', tile: { size: 16 } },
        { onProgress: (done) => events.push(`${name}${done}`) },
      );
    const [a, b] = await Promise.all([request('a'), request('b')]);
    assert.deepEqual([a.info.tiles, b.info.tiles], [9, 9]);
    // Whichever finished decoding first runs first; the other waits for all of its tiles.
    const first = events[0]![0]!;
    const second = first === 'a' ? 'b' : 'a';
    const run = (name: string) => Array.from({ length: 10 }, (_, i) => `${name}${i}`);
    assert.deepEqual(events, [...run(first), ...run(second)]);
  });

  it('reads a stream as well as a buffer', async () => {
    const png = await photoLikePng(16, 16);
    const chunks = [png.subarray(0, 50), png.subarray(50)];
    const r = await enhancer.enhance(Readable.from(chunks), { model: 'nearest', output: { format: 'png' } });
    assert.deepEqual([r.info.width, r.info.height], [32, 32]);
  });

  it('converts without a model: WebP derivative with quality and a bounding box', async () => {
    const input = await sharp(noiseRaw(300, 200, 4), { raw: { width: 300, height: 200, channels: 4 } })
      .png()
      .toBuffer();
    const high = await enhancer.convert(input, { format: 'webp', quality: 95 });
    const low = await enhancer.convert(input, { format: 'webp', quality: 20 });
    assert.ok(low.info.size < high.info.size);
    assert.deepEqual([high.info.width, high.info.height, high.info.format], [300, 200, 'webp']);
    assert.equal((await sharp(high.data).metadata()).hasAlpha, true);
    const boxed = await enhancer.convert(input, { format: 'jpeg', width: 150, height: 150 });
    assert.deepEqual([boxed.info.width, boxed.info.height], [150, 100]);
    await assert.rejects(
      enhancer.convert(pngBombHeader(30_000, 30_000), { format: 'webp' }),
      TooManyPixelsError,
    );
  });
});
