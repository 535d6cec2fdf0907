// Every Real-ESRGAN model converted from NCNN computes what the real NCNN runtime (the `ncnn` package from
// PyPI, CPU, fp32) computes on the same files: at most one 8-bit level apart after rounding, at odd sizes too.
// The reference runtime is installed by test/support/ncnn/build.sh (run by `npm test`'s setup).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { convertNcnnSource } from '../internal/adapters/onnx/convert/convert-models.ts';
import { NCNN_SOURCES, ncnnFiles } from '../internal/adapters/onnx/convert/ncnn-sources.ts';
import { ModelManifest } from '../internal/enhance/model-manifest.ts';
import { runNcnnReference } from './support/ncnn/reference.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '..', 'models');

// RRDBNet costs 1.1 M multiply-adds per output pixel: the heavy models get the small sizes only.
const SIZES: Readonly<Record<string, [number, number][]>> = {
  'realesrgan-x4plus': [
    [1, 1],
    [13, 9],
  ],
  'realesrgan-x4plus-anime': [
    [1, 1],
    [21, 17],
  ],
  default: [
    [1, 1],
    [37, 53],
    [5, 64],
  ],
};

/** A deterministic, non-smooth CHW image in [0, 1] so every kernel tap matters. */
function fixture(height: number, width: number): Float32Array {
  let state = (height * 7919 + width * 104729) >>> 0;
  return Float32Array.from({ length: 3 * height * width }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  });
}

const level = (v: number) => Math.min(255, Math.max(0, Math.floor(v * 255 + 0.5)));

for (const source of NCNN_SOURCES) {
  test(`${source.name}: every scale equals the NCNN runtime within one level, and models/ holds the same bytes`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-ncnn-'));
    try {
      const manifest = await convertNcnnSource(source, dir);
      // The committed manifest records each file's sha256: the conversion is byte-reproducible.
      const committed = path.join(MODELS_DIR, source.name, 'manifest.json');
      assert.deepEqual(ModelManifest.parse(JSON.parse(await readFile(committed, 'utf8'))), manifest);
      for (const variant of source.variants) {
        const files = ncnnFiles(source, variant.base);
        const session = await ort.InferenceSession.create(
          path.join(dir, source.name, `x${variant.scale}.onnx`),
          {
            intraOpNumThreads: 2,
          },
        );
        for (const [h, w] of SIZES[source.name] ?? SIZES.default!) {
          const input = fixture(h, w);
          const { output: expected } = await runNcnnReference(files, input, h, w);
          const output = (await session.run({ input: new ort.Tensor('float32', input, [1, 3, h, w]) }))
            .output!;
          const at = `×${variant.scale} at ${h}×${w}`;
          assert.deepEqual(output.dims, [1, 3, h * variant.scale, w * variant.scale], at);
          const actual = output.data as Float32Array;
          assert.equal(actual.length, expected.length, `${at}: output sizes`);
          let worstLevel = 0;
          let worstRaw = 0;
          for (let i = 0; i < actual.length; i++) {
            worstRaw = Math.max(worstRaw, Math.abs(actual[i]! - expected[i]!));
            worstLevel = Math.max(worstLevel, Math.abs(level(actual[i]!) - level(expected[i]!)));
          }
          assert.ok(worstLevel <= 1, `${at}: ${worstLevel} levels apart (raw ${worstRaw})`);
          assert.ok(worstRaw < 1e-4, `${at}: raw difference ${worstRaw}`);
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
