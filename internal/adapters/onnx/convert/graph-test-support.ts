// Helpers for tests of graph rewrites: seeded values and running a graph in onnxruntime.
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import type { Graph } from './graph.ts';
import { serialiseOnnx } from './onnx-serialise.ts';

/** A seeded generator of values in [−1, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) / 2 ** 23 - 1;
  };
}

/** Runs `graph` on a seeded input of `height`×`width` and returns its output. */
export async function runGraph(graph: Graph, height: number, width: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(serialiseOnnx(graph));
  const data = Float32Array.from(
    { length: graph.inputChannels * height * width },
    random(height * 31 + width),
  );
  const result = await session.run({
    input: new ort.Tensor('float32', data, [1, graph.inputChannels, height, width]),
  });
  await session.release();
  return result.output?.data as Float32Array;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((max, value, i) => Math.max(max, Math.abs(value - (b[i] ?? NaN))), 0);
}
