import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GraphBuilder } from './graph.ts';
import type { Graph } from './graph.ts';
import { maxAbsDiff, random, runGraph } from './graph-test-support.ts';
import { rewriteChannelOps } from './rewrite-channel-ops.ts';

/** Slopes that cover every case: negative, zero, between 0 and 1, exactly 1 and above 1. */
function slopes(channels: number, next: () => number): Float32Array {
  const fixed = [-0.7, 0, 0.25, 1, 1.6, 2];
  return Float32Array.from({ length: channels }, (_, i) => fixed[i] ?? 1 + next());
}

interface Options {
  readonly channels?: number;
  /** What reads the PRelu: the next conv (default) or the graph output. */
  readonly preluFeeds?: 'conv' | 'output';
  readonly slopeAbove1?: boolean;
  readonly mulFactor?: 'scalar' | 'per-channel';
}

/** input → Conv 3×3 → PRelu → Conv 3×3 → Mul(constant) → Add(input) → output, all `channels` wide. */
function graphWith({
  channels = 16,
  preluFeeds = 'conv',
  slopeAbove1 = true,
  mulFactor = 'scalar',
}: Options = {}): Graph {
  const next = random(channels * 7 + (slopeAbove1 ? 1 : 0));
  const b = new GraphBuilder();
  const conv = (name: string, input: string, output: string): void => {
    const w = b.addInitializer(
      `${name}/w`,
      [channels, channels, 3, 3],
      Float32Array.from({ length: channels * channels * 9 }, () => next() * 0.2),
    );
    const bias = b.addInitializer(`${name}/b`, [channels], Float32Array.from({ length: channels }, next));
    b.addNode({
      name,
      opType: 'Conv',
      inputs: [input, w, bias],
      outputs: [output],
      attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] },
    });
  };
  conv('conv1', 'input', 'y1');
  const slope = slopeAbove1
    ? slopes(channels, next)
    : Float32Array.from({ length: channels }, () => next() * 0.5);
  b.addNode({
    name: 'prelu',
    opType: 'PRelu',
    inputs: ['y1', b.addInitializer('prelu/slope', [channels, 1, 1], slope)],
    outputs: [preluFeeds === 'output' ? 'output' : 'p1'],
  });
  if (preluFeeds === 'conv') {
    conv('conv2', 'p1', 'y2');
    const factor =
      mulFactor === 'scalar'
        ? b.addInitializer('k', [], Float32Array.of(0.2))
        : b.addInitializer('k', [1, channels, 1, 1], Float32Array.from({ length: channels }, next));
    b.addNode({ name: 'scale', opType: 'Mul', inputs: ['y2', factor], outputs: ['scaled'] });
    b.addNode({ name: 'residual', opType: 'Add', inputs: ['scaled', 'input'], outputs: ['output'] });
  }
  return b.toGraph({ name: 'test', inputChannels: channels, outputChannels: channels });
}

async function assertSameImage(before: Graph, after: Graph): Promise<void> {
  for (const [height, width] of [
    [1, 1],
    [9, 6],
  ] as const) {
    const diff = maxAbsDiff(await runGraph(before, height, width), await runGraph(after, height, width));
    assert.ok(diff < 1e-5, `max abs diff ${diff} at ${height}×${width}`);
  }
}

describe('rewriteChannelOps', () => {
  for (const mulFactor of ['scalar', 'per-channel'] as const) {
    test(`PRelu (every kind of slope) and a ${mulFactor} Mul become depthwise convs with the same output`, async () => {
      const before = graphWith({ mulFactor });
      const after = rewriteChannelOps(before);
      assert.deepEqual(
        after.nodes.map((node) => node.opType),
        ['Conv', 'Conv', 'Relu', 'Conv', 'Add', 'Conv', 'Conv', 'Add'],
      );
      // The conv after the PRelu reads channels with a slope above 1 negated, so its kernel is a new one.
      assert.ok(after.initializers.has('conv2/sign_corrected_kernel'));
      assert.ok(!after.initializers.has('prelu/slope') && !after.initializers.has('conv2/w'));
      await assertSameImage(before, after);
    });
  }

  test('slopes of at most 1 need no sign correction', async () => {
    const before = graphWith({ slopeAbove1: false });
    const after = rewriteChannelOps(before);
    assert.ok(after.initializers.has('conv2/w'));
    assert.ok(!after.nodes.some((node) => node.opType === 'PRelu'));
    await assertSameImage(before, after);
  });

  test('a PRelu with a slope above 1 that is the graph output stays: nothing could take the sign back', () => {
    const after = rewriteChannelOps(graphWith({ preluFeeds: 'output' }));
    assert.deepEqual(
      after.nodes.map((node) => node.opType),
      ['Conv', 'PRelu'],
    );
  });

  test('the same PRelu with slopes of at most 1 is rewritten', async () => {
    const before = graphWith({ preluFeeds: 'output', slopeAbove1: false });
    const after = rewriteChannelOps(before);
    assert.deepEqual(
      after.nodes.map((node) => node.opType),
      ['Conv', 'Conv', 'Relu', 'Conv', 'Add'],
    );
    await assertSameImage(before, after);
  });

  test('tensors whose channels do not fill 16-channel blocks are left alone', () => {
    const before = graphWith({ channels: 12 });
    assert.deepEqual(rewriteChannelOps(before).nodes, before.nodes);
  });

  test('the rewrite is deterministic, so converted files are byte-reproducible', () => {
    const a = rewriteChannelOps(graphWith());
    const b = rewriteChannelOps(graphWith());
    assert.deepEqual([...a.initializers.keys()], [...b.initializers.keys()]);
    assert.deepEqual(a.nodes, b.nodes);
  });
});
