// Every committed ONNX model computes what the TF.js model it was converted from computes, on fixture images.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { ModelManifest } from '../internal/enhance/model-manifest.ts';
import { findInstalledPackage, MODEL_SOURCES } from '../internal/adapters/onnx/convert/model-sources.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '..', 'models');
const TOLERANCE = 1e-3;

// The pure-JS TF.js backend needs ~14 ms per input pixel for esrgan-thick and ~1.6 ms for esrgan-medium,
// so the larger fixtures run only on the cheaper models; 1×1 and the thin strip still cover every padding edge.
const SMALL: [number, number][] = [
  [1, 1],
  [3, 20],
  [9, 7],
];
const FULL: [number, number][] = [
  [1, 1],
  [37, 53],
  [5, 200],
  [64, 64],
];
const FIXTURE_SIZES: Readonly<Record<string, [number, number][]>> = {
  'esrgan-slim': FULL,
  'esrgan-default': FULL,
  'esrgan-medium': FULL.slice(0, 3),
  'esrgan-thick': SMALL,
};

/** A deterministic, non-smooth NHWC image in [low, high] so every kernel tap matters. */
function fixture(height: number, width: number, [low, high]: readonly [number, number]): Float32Array {
  let state = (height * 7919 + width * 104729) >>> 0;
  return Float32Array.from({ length: height * width * 3 }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + ((state >>> 8) / 2 ** 24) * (high - low);
  });
}

function nhwcToNchw(data: Float32Array, height: number, width: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < 3; c++) out[(c * height + y) * width + x] = data[(y * width + x) * 3 + c] ?? NaN;
  return out;
}

/** Loads the package's original layers model with TF.js, registering the package's own custom layers. */
async function loadTfjsModel(packageName: string, scale: number, modelPath: string): Promise<tf.LayersModel> {
  const installed = await findInstalledPackage(packageName);
  const definitions = createRequire(import.meta.url)(`${packageName}`) as Record<string, unknown>;
  const definition = (definitions[`x${scale}`] ?? definitions) as { setup?: (library: typeof tf) => void };
  definition.setup?.(tf);
  const dir = path.join(installed.dir, path.dirname(modelPath));
  const json = JSON.parse(readFileSync(path.join(installed.dir, modelPath), 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const bytes = Buffer.concat(
    json.weightsManifest.flatMap((group) => group.paths).map((p) => readFileSync(path.join(dir, p))),
  );
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }));
}

// Only converted models have a TF.js original; a hand-added ONNX model (see models/README.md) is skipped here.
const converted = new Set(MODEL_SOURCES.map((source) => source.name));
const manifests = readdirSync(MODELS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && converted.has(entry.name))
  .map((entry) =>
    ModelManifest.parse(JSON.parse(readFileSync(path.join(MODELS_DIR, entry.name, 'manifest.json'), 'utf8'))),
  );

before(async () => {
  await tf.setBackend('cpu');
});

test('models/ holds a manifest for every catalogued source', () => {
  assert.deepEqual(manifests.map((m) => m.name).sort(), [...converted].sort());
});

for (const manifest of manifests) {
  describe(`${manifest.name} matches TF.js`, () => {
    for (const variant of manifest.variants) {
      describe(`x${variant.scale}`, () => {
        const file = path.join(MODELS_DIR, manifest.name, variant.file);
        let session: ort.InferenceSession;
        let model: tf.LayersModel;
        before(async () => {
          session = await ort.InferenceSession.create(file);
          model = await loadTfjsModel(manifest.source.package, variant.scale, variant.sourcePath ?? '');
        });
        after(async () => {
          await session.release();
          model.dispose();
        });

        test('the file is the one the manifest names, with NCHW input and output', () => {
          assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), variant.sha256);
          assert.deepEqual(session.inputNames, [manifest.inputName]);
          assert.deepEqual(session.outputNames, [manifest.outputName]);
        });

        for (const [height, width] of FIXTURE_SIZES[manifest.name] ?? FULL) {
          test(`${height}×${width} input: max |ONNX − TF.js| ≤ ${TOLERANCE}`, async (t) => {
            const input = fixture(height, width, manifest.inputRange);
            const expected = tf.tidy(
              () => model.predict(tf.tensor4d(input, [1, height, width, 3])) as tf.Tensor,
            );
            const [, outHeight = 0, outWidth = 0] = expected.shape;
            const reference = nhwcToNchw((await expected.data()) as Float32Array, outHeight, outWidth);
            expected.dispose();
            assert.deepEqual([outHeight, outWidth], [height * variant.scale, width * variant.scale]);

            const feeds = {
              [manifest.inputName ?? 'input']: new ort.Tensor('float32', nhwcToNchw(input, height, width), [
                1,
                3,
                height,
                width,
              ]),
            };
            const result = await session.run(feeds);
            const actual = result[manifest.outputName ?? 'output'];
            assert.deepEqual(actual?.dims, [1, 3, outHeight, outWidth]);
            const data = actual?.data as Float32Array;
            let maxDiff = 0;
            for (let i = 0; i < reference.length; i++)
              maxDiff = Math.max(maxDiff, Math.abs((data[i] ?? NaN) - (reference[i] ?? NaN)));
            t.diagnostic(`max abs diff ${maxDiff.toExponential(2)}`);
            assert.ok(maxDiff <= TOLERANCE, `max abs diff ${maxDiff} exceeds ${TOLERANCE}`);
          });
        }
      });
    }
  });
}
