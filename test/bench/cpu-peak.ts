// Measures the CPU's practical peak multiply-add rate with a large onnxruntime MatMul: the roofline for the models.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../internal/adapters/onnx/convert/graph.ts';
import { serialiseOnnx } from '../../internal/adapters/onnx/convert/onnx-serialise.ts';

/** The median of `runs` timings of `task` after one warm-up, in ms. */
export async function medianMs(task: () => Promise<unknown>, runs = 5): Promise<number> {
  await task();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/**
 * Multiply-adds per second (best of seven runs) of an `n`×`n` by `n`×`n` float32 MatMul in onnxruntime-node with `threads` threads.
 * MatMul is the best-tuned kernel onnxruntime has (MLAS, AVX-512 where present), so this is what the same
 * library can reach on this machine: a measured peak rather than one derived from a clock and a vector width.
 */
export async function measurePeakMacsPerSecond(threads: number, n = 2048): Promise<number> {
  const b = new GraphBuilder();
  let seed = 1;
  const weights = Float32Array.from({ length: n * n }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  });
  b.addNode({
    name: 'matmul',
    opType: 'MatMul',
    inputs: ['input', b.addInitializer('weights', [n, n], weights)],
    outputs: ['output'],
  });
  // The serialiser declares image-shaped [batch, channels, height, width] values: a 1×1×n×n "image" is a matrix.
  const bytes = serialiseOnnx({
    name: 'peak-matmul',
    inputName: 'input',
    outputName: 'output',
    inputChannels: 1,
    outputChannels: 1,
    nodes: b.nodes,
    initializers: b.initializers,
  });
  const session = await ort.InferenceSession.create(bytes, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
  });
  try {
    const input = new ort.Tensor('float32', weights.slice(), [1, 1, n, n]);
    // The best of several runs: a peak is what the machine can do, and noise from neighbours only slows runs.
    let best = Infinity;
    await session.run({ input });
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      await session.run({ input });
      best = Math.min(best, performance.now() - started);
    }
    return n ** 3 / (best / 1000);
  } finally {
    await session.release();
  }
}
