import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { macsPerOutputPixel } from './graph-analysis.ts';
import { GraphBuilder } from './graph.ts';
import type { Graph } from './graph.ts';
import { maxAbsDiff, random, runGraph } from './graph-test-support.ts';
import { rewriteUpsampleConv } from './rewrite-upsample-conv.ts';

/** input → Resize(nearest ×k) → Conv(K×K, `same` or `valid`, C → 3 channels) → output. */
function upsampleConvGraph(
  k: number,
  kernel: number,
  options: { padding?: 'same' | 'valid'; extraUser?: boolean } = {},
): Graph {
  const next = random(k * 100 + kernel);
  const channels = 4;
  const builder = new GraphBuilder();
  const scales = builder.addInitializer('scales', [4], Float32Array.of(1, 1, k, k));
  builder.addNode({
    name: 'up',
    opType: 'Resize',
    inputs: ['input', '', scales],
    outputs: ['up'],
    attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
  });
  const weight = builder.addInitializer(
    'w',
    [3, channels, kernel, kernel],
    Float32Array.from({ length: 3 * channels * kernel * kernel }, next),
  );
  const bias = builder.addInitializer('b', [3], Float32Array.from({ length: 3 }, next));
  const before = Math.floor((kernel - 1) / 2);
  const pads =
    options.padding === 'valid' ? [0, 0, 0, 0] : [before, before, kernel - 1 - before, kernel - 1 - before];
  const convOutput = options.extraUser ? 'conv' : 'output';
  builder.addNode({
    name: 'conv',
    opType: 'Conv',
    inputs: ['up', weight, bias],
    outputs: [convOutput],
    attributes: { kernel_shape: [kernel, kernel], pads, strides: [1, 1], dilations: [1, 1], group: 1 },
  });
  if (options.extraUser) {
    // A second reader of the upsampled tensor: a 1×1 conv to 3 channels added to the first conv.
    const w1 = builder.addInitializer(
      'w1',
      [3, channels, 1, 1],
      Float32Array.from({ length: 3 * channels }, next),
    );
    builder.addNode({
      name: 'side',
      opType: 'Conv',
      inputs: ['up', w1],
      outputs: ['side'],
      attributes: { kernel_shape: [1, 1] },
    });
    builder.addNode({ name: 'sum', opType: 'Add', inputs: ['conv', 'side'], outputs: ['output'] });
  }
  return builder.toGraph({ name: 'test', inputChannels: channels, outputChannels: 3 });
}

describe('rewriteUpsampleConv', () => {
  for (const k of [2, 3, 4, 8]) {
    for (const kernel of [1, 2, 3, 5]) {
      test(`×${k} upsampling then a ${kernel}×${kernel} conv gives the same image as low-res conv + DepthToSpace`, async () => {
        const faithful = upsampleConvGraph(k, kernel);
        const rewritten = rewriteUpsampleConv(faithful);
        assert.deepEqual(
          rewritten.nodes.map((node) => node.opType),
          ['Conv', 'DepthToSpace'],
        );
        assert.deepEqual([...rewritten.initializers.keys()], ['conv/phase_kernel', 'conv/phase_bias']);
        // Each phase reads at most K low-resolution pixels per axis, so the dense cost never grows.
        assert.ok(macsPerOutputPixel(rewritten) <= macsPerOutputPixel(faithful));
        for (const [height, width] of [
          [1, 1],
          [7, 5],
        ] as const) {
          const diff = maxAbsDiff(
            await runGraph(faithful, height, width),
            await runGraph(rewritten, height, width),
          );
          assert.ok(diff < 1e-5, `max abs diff ${diff} at ${height}×${width}`);
        }
      });
    }
  }

  test('leaves a conv with valid padding alone, since its phases would not tile the output', () => {
    const graph = upsampleConvGraph(2, 3, { padding: 'valid' });
    assert.deepEqual(
      rewriteUpsampleConv(graph).nodes.map((node) => node.opType),
      ['Resize', 'Conv'],
    );
  });

  test('leaves an upsampled tensor that another node also reads alone', () => {
    const graph = upsampleConvGraph(4, 3, { extraUser: true });
    assert.deepEqual(
      rewriteUpsampleConv(graph).nodes.map((node) => node.opType),
      ['Resize', 'Conv', 'Conv', 'Add'],
    );
  });
});
