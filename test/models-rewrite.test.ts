// On the real models, the rewritten graph (low-res conv + DepthToSpace) computes what the faithful graph computes.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { convertLayersModel } from '../internal/adapters/onnx/convert/convert-layers-model.ts';
import { findInstalledPackage } from '../internal/adapters/onnx/convert/model-sources.ts';

async function run(onnx: Uint8Array, input: ort.Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx);
  const result = await session.run({ input });
  await session.release();
  return result.output?.data as Float32Array;
}

for (const [pkg, scale] of [
  ['@upscalerjs/esrgan-slim', 3],
  ['@upscalerjs/esrgan-slim', 8],
  ['@upscalerjs/esrgan-medium', 4],
] as const) {
  test(`${pkg} x${scale}: rewritten and faithful graphs agree within 1e-3 on a 48×40 image`, async () => {
    const modelJson = path.join((await findInstalledPackage(pkg)).dir, `models/x${scale}/model.json`);
    const faithful = await convertLayersModel(modelJson, { name: 'faithful', rewrite: false });
    const rewritten = await convertLayersModel(modelJson, { name: 'rewritten' });
    assert.ok(faithful.graph.nodes.some((node) => node.opType === 'Resize'));
    assert.ok(!rewritten.graph.nodes.some((node) => node.opType === 'Resize'));
    assert.equal(rewritten.macsPerOutputPixel, faithful.macsPerOutputPixel);

    const data = Float32Array.from({ length: 3 * 48 * 40 }, (_, i) => (i * 7919) % 256);
    const input = new ort.Tensor('float32', data, [1, 3, 48, 40]);
    const [expected, actual] = [await run(faithful.onnx, input), await run(rewritten.onnx, input)];
    assert.equal(actual.length, expected.length);
    const diff = actual.reduce((max, value, i) => Math.max(max, Math.abs(value - (expected[i] ?? NaN))), 0);
    assert.ok(diff <= 1e-3, `max abs diff ${diff}`);
  });
}
