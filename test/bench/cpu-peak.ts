// Measures the CPU's practical peak multiply-add rate with onnxruntime's best kernels: the roofline for the models.
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../internal/adapters/onnx/convert/graph.ts';
import type { Graph } from '../../internal/adapters/onnx/convert/graph.ts';
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

function seeded(length: number): Float32Array {
  let seed = 1;
  return Float32Array.from({ length }, () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32 - 0.5;
  });
}

/** Multiply-adds per second of one graph on one input: the best of seven runs after a warm-up. */
async function bestRate(graph: Graph, dims: number[], macs: number, threads: number): Promise<number> {
  const session = await ort.InferenceSession.create(serialiseOnnx(graph), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionProviders: ['cpu'],
  });
  try {
    const input = new ort.Tensor('float32', seeded(dims.reduce((a, b) => a * b, 1)), dims);
    // The best of several runs: a peak is what the machine can do, and noise from neighbours only slows runs.
    let best = Infinity;
    await session.run({ input });
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      await session.run({ input });
      best = Math.min(best, performance.now() - started);
    }
    return macs / (best / 1000);
  } finally {
    await session.release();
  }
}

/** An `n`×`n` by `n`×`n` float32 MatMul; the serialiser's 1×1×n×n "image" is a matrix. */
function matmulRate(threads: number, n: number): Promise<number> {
  const b = new GraphBuilder();
  const weights = b.addInitializer('weights', [n, n], seeded(n * n));
  b.addNode({ name: 'matmul', opType: 'MatMul', inputs: ['input', weights], outputs: ['output'] });
  return bestRate(
    b.toGraph({ name: 'peak', inputChannels: 1, outputChannels: 1 }),
    [1, 1, n, n],
    n ** 3,
    threads,
  );
}

/**
 * Four 3×3, 64 → 64 channel convolutions with Relu on 128×128: the layers that make up most of Real-ESRGAN,
 * chained so that the reorders into and out of onnxruntime's blocked layout are shared as in a model.
 */
function convRate(threads: number, side = 128, channels = 64, layers = 4): Promise<number> {
  const b = new GraphBuilder();
  let value = 'input';
  for (let i = 0; i < layers; i++) {
    const weights = b.addInitializer(`w${i}`, [channels, channels, 3, 3], seeded(channels * channels * 9));
    const output = i === layers - 1 ? 'output' : `x${i + 1}`;
    b.addNode({
      name: `conv${i}`,
      opType: 'Conv',
      inputs: [value, weights],
      outputs: [`y${i}`],
      attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    });
    b.addNode({ name: `relu${i}`, opType: 'Relu', inputs: [`y${i}`], outputs: [output] });
    value = output;
  }
  const macs = layers * side * side * channels * channels * 9;
  return bestRate(
    b.toGraph({ name: 'peak', inputChannels: channels, outputChannels: channels }),
    [1, channels, side, side],
    macs,
    threads,
  );
}

/**
 * The CPU's practical peak in multiply-adds per second with `threads` threads: the better of a 2048³ MatMul
 * and a chain of 3×3 64-channel convolutions in onnxruntime-node (MLAS, AVX-512 where present; the convolution runs in
 * its blocked NCHWc layout and measured faster than the MatMul on a Sapphire Rapids Xeon). A measured peak
 * rather than one derived from a clock and a vector width.
 */
export async function measurePeakMacsPerSecond(threads: number, n = 2048): Promise<number> {
  return Math.max(await matmulRate(threads, n), await convRate(threads));
}
