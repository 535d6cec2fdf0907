// The Real-ESRGAN models through the whole engine: tiled output equals untiled output within one level (the
// pad comes from each model's measured receptive field), 0..1 models come out as full-range 8-bit images, and
// odd sizes keep their exact scale, alpha survives. RRDBNet (1.1 M MACs per output pixel for x4plus) runs on
// strips and small images only.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { maxDiff, photoLikePng, rawOf } from '../sharp/test-images.ts';
import { createEnhancer } from './create-enhancer.ts';
import ort from 'onnxruntime-node';
import { readFile } from 'node:fs/promises';
import { measureReceptiveField } from '../../enhance/receptive-field.ts';
import { ModelManifest } from '../../enhance/model-manifest.ts';
import { NCNN_SOURCES } from './convert/ncnn-sources.ts';

const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));

describe('Real-ESRGAN models through the whole engine', () => {
  const enhancer = createEnhancer({ modelsDir, threads: 2 });
  after(() => enhancer.close());

  for (const [model, scale] of [
    ['realesr-general-x4v3', 4],
    ['realesr-animevideov3', 4],
    ['realesr-animevideov3', 2],
    ['realesr-animevideov3', 3],
  ] as const) {
    it(`${model} ×${scale}: tiles of 24 and 37 match the untiled result within one level`, async () => {
      const input = await photoLikePng(72, 56);
      const whole = await enhancer.enhance(input, { model, scale, output: { format: 'png' } });
      assert.equal(whole.info.tiles, 1);
      assert.deepEqual([whole.info.width, whole.info.height], [72 * scale, 56 * scale]);
      const reference = await rawOf(whole.data);
      // A 0..1 model must not come out dark: the output uses the whole 8-bit range like the input.
      const mean = reference.data.reduce((s, v) => s + v, 0) / reference.data.length;
      const inputMean = (await rawOf(input)).data.reduce((s, v) => s + v, 0) / (72 * 56 * 3);
      assert.ok(Math.abs(mean - inputMean) < 12, `mean level ${mean} vs the input's ${inputMean}`);
      for (const size of [24, 37]) {
        const tiled = await enhancer.enhance(input, {
          model,
          scale,
          tile: { size, pad: 0 },
          output: { format: 'png' },
        });
        assert.ok(tiled.info.tiles >= 4);
        assert.ok(tiled.info.pad >= 8, `measured receptive field ${tiled.info.pad}`);
        assert.ok(maxDiff((await rawOf(tiled.data)).data, reference.data) <= 1, `tile ${size}`);
      }
    });
  }

  for (const [model, scale] of [
    ['realesr-general-x4v3', 4],
    ['realesr-animevideov3', 2],
    ['realesrgan-x4plus', 4],
  ] as const) {
    it(`${model} ×${scale} keeps alpha, through the model (tiled as untiled) and with lanczos`, async () => {
      const [w, h] = [40, 30];
      const input = await photoLikePng(w, h, 4);
      const alphaIn = await sharp(input).extractChannel(3).raw().toBuffer();
      const alphaOf = async (png: Buffer) =>
        (await sharp(png).extractChannel(3).raw().toBuffer()) as Uint8Array;
      for (const alpha of ['model', 'lanczos'] as const) {
        const { data, info } = await enhancer.enhance(input, {
          model,
          scale,
          alpha,
          output: { format: 'png' },
        });
        assert.equal(info.alpha, alpha);
        assert.deepEqual([info.width, info.height], [w * scale, h * scale]);
        assert.equal((await sharp(data).metadata()).hasAlpha, true);
        // Brought back down, the alpha is the input's again, give or take the model's sharpening.
        const back = await sharp(data)
          .extractChannel(3)
          .resize(w, h, { fit: 'fill' })
          .toColourspace('b-w')
          .raw()
          .toBuffer();
        const mean = back.reduce((sum, v, i) => sum + Math.abs(v - alphaIn[i]!), 0) / back.length;
        assert.ok(mean < 4, `${alpha}: mean alpha difference ${mean}`);
        if (alpha === 'model' && model !== 'realesrgan-x4plus') {
          const tiled = await enhancer.enhance(input, {
            model,
            scale,
            alpha,
            tile: { size: 16 },
            output: { format: 'png' },
          });
          assert.ok(tiled.info.tiles >= 4);
          assert.ok(maxDiff(await alphaOf(tiled.data), await alphaOf(data)) <= 1, 'tiled alpha');
        }
      }
    });
  }

  for (const model of ['realesrgan-x4plus', 'realesrgan-x4plus-anime']) {
    it(`${model}: tiles with the recorded pad match the untiled result within one level`, async () => {
      // A strip cut across its length: seams with more context on both sides than the pad, on an image
      // small enough for RRDBNet to run untiled in about a second.
      const input = await photoLikePng(176, 24);
      const whole = await enhancer.enhance(input, { model, output: { format: 'png' } });
      assert.equal(whole.info.tiles, 1);
      const tiled = await enhancer.enhance(input, { model, tile: { size: 24 }, output: { format: 'png' } });
      assert.ok(tiled.info.tiles >= 7);
      assert.ok(tiled.info.pad >= 48, `recorded pad ${tiled.info.pad}`);
      const diff = maxDiff((await rawOf(tiled.data)).data, (await rawOf(whole.data)).data);
      assert.ok(diff <= 1, `tiled differs by ${diff} levels`);
    });
  }

  it('realesr-general-x4v3 keeps odd sizes exact: 1×1 and 5×37', async () => {
    for (const [w, h] of [
      [1, 1],
      [5, 37],
    ] as const) {
      const { info, data } = await enhancer.enhance(await photoLikePng(w, h), {
        model: 'realesr-general-x4v3',
        output: { format: 'png' },
      });
      assert.deepEqual([info.width, info.height, info.scale], [w * 4, h * 4, 4]);
      assert.deepEqual(
        [(await sharp(data).metadata()).width, (await sharp(data).metadata()).height],
        [w * 4, h * 4],
      );
    }
  });

  it('the receptive fields recorded for the SRVGG models are what a fresh measurement gives', async () => {
    // The RRDB models' fields are past the measurement's cap (64): measuring them again costs ~20 s.
    for (const source of NCNN_SOURCES.filter((s) => !s.name.startsWith('realesrgan-x4plus'))) {
      const manifest = ModelManifest.parse(
        JSON.parse(await readFile(`${modelsDir}/${source.name}/manifest.json`, 'utf8')),
      );
      for (const variant of source.variants) {
        const session = await ort.InferenceSession.create(
          `${modelsDir}/${source.name}/x${variant.scale}.onnx`,
          {
            intraOpNumThreads: 2,
          },
        );
        const measured = await measureReceptiveField({
          run: async (tensor, w, h) =>
            (await session.run({ input: new ort.Tensor('float32', tensor, [1, 3, h, w]) })).output!
              .data as Float32Array,
          scale: variant.scale,
          input: { layout: 'NCHW', range: [0, 1] },
          output: { layout: 'NCHW', range: [0, 1] },
        });
        assert.deepEqual(measured, variant.receptiveField, `${source.name} ×${variant.scale}`);
        assert.deepEqual(manifest.variants.find((v) => v.scale === variant.scale)?.receptiveField, measured);
        await session.release();
      }
    }
  });

  it('`auto` on the CPU runs realesr-general-x4v3', async () => {
    const { info } = await enhancer.enhance(await photoLikePng(8, 6), {
      model: 'auto',
      output: { format: 'png' },
    });
    assert.equal(info.model, 'realesr-general-x4v3');
  });
});
