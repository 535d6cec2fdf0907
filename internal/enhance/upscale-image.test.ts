import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fakeBoxModel } from './fake-box-model.ts';
import { measureReceptiveField } from './receptive-field.ts';
import type { PixelBuffer, TensorFormat } from './tile-pixels.ts';
import { channelOf, upscaleImage } from './upscale-image.ts';
import type { UpscaleOptions } from './upscale-image.ts';

const format: TensorFormat = { layout: 'NCHW', range: [0, 255] };

function noise(width: number, height: number, channels: number): PixelBuffer {
  let s = 12345;
  const data = Uint8Array.from({ length: width * height * channels }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 24;
  });
  return { data, width, height, channels };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const nearestResize: UpscaleOptions['resize'] = async (image, width, height) => {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] =
        image.data[
          Math.floor((y * image.height) / height) * image.width + Math.floor((x * image.width) / width)
        ]!;
    }
  }
  return { data, width, height, channels: 1 };
};

function options(image: PixelBuffer, radius: number, tileSize: number, pad: number): UpscaleOptions {
  return {
    image,
    run: fakeBoxModel({ radius, scale: 2 }),
    scale: 2,
    input: format,
    output: format,
    tileSize,
    pad,
    alpha: 'lanczos',
    resize: nearestResize,
  };
}

describe('upscaleImage', () => {
  const image = noise(61, 45, 3);
  const radius = 4;

  it('gives the untiled result for any tile size once the pad covers the measured receptive field', async () => {
    const field = await measureReceptiveField({
      run: fakeBoxModel({ radius, scale: 2 }),
      scale: 2,
      input: format,
      output: format,
    });
    const whole = await upscaleImage(options(image, radius, 64, 0));
    assert.equal(whole.plan.tiles.length, 1);
    for (const tileSize of [7, 16, 20, 23, 32, 60]) {
      const tiled = await upscaleImage(options(image, radius, tileSize, field.radius));
      assert.ok(tiled.plan.tiles.length > 1);
      assert.equal(maxDiff(tiled.image.data, whole.image.data), 0, `tile ${tileSize}`);
    }
  });

  it('shows seams when the pad is smaller than the receptive field', async () => {
    const whole = await upscaleImage(options(image, radius, 64, 0));
    const tiled = await upscaleImage(options(image, radius, 16, radius - 2));
    assert.ok(maxDiff(tiled.image.data, whole.image.data) > 1);
  });

  it('runs the model on padded tiles only, never on the whole image', async () => {
    const sizes: number[] = [];
    const big = noise(200, 150, 3);
    await upscaleImage({
      ...options(big, 1, 50, 3),
      run: fakeBoxModel({ radius: 1, scale: 2, onRun: (w, h) => sizes.push(w, h) }),
    });
    assert.equal(sizes.length, 2 * 12);
    assert.ok(Math.max(...sizes) <= 50 + 2 * 3);
  });

  it('upscales alpha with the resize function in lanczos mode and through the model in model mode', async () => {
    const rgba = noise(20, 12, 4);
    const progress: number[] = [];
    const lanczos = await upscaleImage({
      ...options(rgba, 1, 8, 1),
      onProgress: (done) => progress.push(done),
    });
    assert.equal(lanczos.image.channels, 4);
    assert.deepEqual(
      channelOf(lanczos.image, 3).data,
      (await nearestResize(channelOf(rgba, 3), 40, 24)).data,
    );
    assert.equal(progress.length, lanczos.plan.tiles.length + 1, '0, then one per tile');

    const totals: number[] = [];
    const model = await upscaleImage({
      ...options(rgba, 1, 8, 1),
      alpha: 'model',
      onProgress: (_, total) => totals.push(total),
    });
    assert.equal(totals.length, 1 + 2 * model.plan.tiles.length);
    assert.equal(totals[0], 2 * model.plan.tiles.length);
    // The alpha pass is the colour pass run on grey: compare against the model run on an all-alpha RGB image.
    const alphaAsRgb: PixelBuffer = { ...channelOf(rgba, 3), channels: 3 };
    alphaAsRgb.data = Uint8Array.from(
      { length: 20 * 12 * 3 },
      (_, i) => rgba.data[Math.floor(i / 3) * 4 + 3]!,
    );
    const grey = await upscaleImage(options(alphaAsRgb, 1, 8, 1));
    assert.deepEqual(channelOf(model.image, 3).data, channelOf(grey.image, 0).data);
    // and the colour is the same as in lanczos mode
    assert.deepEqual(channelOf(model.image, 1).data, channelOf(lanczos.image, 1).data);
  });
});
