// The UpscalerJS baseline: a model package's own TF.js layers model, run on TF.js' WebAssembly backend in Node.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { findInstalledPackage, MODEL_SOURCES } from '../../internal/adapters/onnx/convert/model-sources.ts';
import { medianMs } from './cpu-peak.ts';

const require = createRequire(import.meta.url);
let backend: Promise<void> | undefined;

/** Switches TF.js to the wasm backend once (SIMD; threads are unavailable in Node, tfjs#3830). */
function useWasm(): Promise<void> {
  backend ??= (async () => {
    const wasm = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    setWasmPaths(`${path.dirname(wasm)}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('the TF.js wasm backend did not initialise');
  })();
  return backend;
}

/** Loads the package's original model from its files, with the package's own custom layers registered. */
async function loadPackageModel(modelName: string, scale: number): Promise<tf.LayersModel> {
  const source = MODEL_SOURCES.find((s) => s.name === modelName);
  const variant = source?.variants.find((v) => v.scale === scale);
  if (!source || !variant) throw new Error(`no model package for ${modelName} ×${scale}`);
  const installed = await findInstalledPackage(source.package);
  const definitions = require(source.package) as Record<string, unknown>;
  const definition = (definitions[`x${scale}`] ?? definitions) as { setup?: (library: typeof tf) => void };
  definition.setup?.(tf);
  const file = path.join(installed.dir, variant.path);
  const json = JSON.parse(readFileSync(file, 'utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weights = Buffer.concat(
    json.weightsManifest
      .flatMap((group) => group.paths)
      .map((p) => readFileSync(path.join(path.dirname(file), p))),
  );
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(
        weights.byteOffset,
        weights.byteOffset + weights.byteLength,
      ) as ArrayBuffer,
    }),
  );
}

/**
 * Output megapixels per second of `modelName` ×`scale` on an `edge`×`edge` input with TF.js wasm: one
 * `predict` on the whole image (what UpscalerJS does without patching) plus the read-back of the result,
 * median of `runs` after a warm-up. Image decoding and encoding are not counted, which favours TF.js.
 */
export async function tfjsMegapixelsPerSecond(
  modelName: string,
  scale: number,
  edge: number,
  runs = 3,
): Promise<number> {
  await useWasm();
  const model = await loadPackageModel(modelName, scale);
  const [low, high] = MODEL_SOURCES.find((s) => s.name === modelName)!.range;
  const input = tf.randomUniform([1, edge, edge, 3], low, high);
  try {
    const ms = await medianMs(async () => {
      const output = model.predict(input) as tf.Tensor;
      await output.data();
      output.dispose();
    }, runs);
    return (edge * scale) ** 2 / 1e6 / (ms / 1000);
  } finally {
    input.dispose();
    model.dispose();
  }
}
