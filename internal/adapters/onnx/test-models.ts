// Small real ONNX models with known behaviour, written to a models directory for tests and benchmarks.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from './convert/graph.ts';
import type { Graph } from './convert/graph.ts';
import { serialiseOnnx } from './convert/onnx-serialise.ts';
import type { ModelManifest } from '../../enhance/model-manifest.ts';

function graphOf(name: string, builder: GraphBuilder): Graph {
  return {
    name,
    inputName: 'input',
    outputName: 'output',
    inputChannels: 3,
    outputChannels: 3,
    nodes: builder.nodes,
    initializers: builder.initializers,
  };
}

/** Pixel replication: output pixel (x, y) is input pixel (⌊x/k⌋, ⌊y/k⌋); receptive-field radius 0. */
export function nearestGraph(scale: number): Graph {
  const b = new GraphBuilder();
  const scales = b.addInitializer('scales', [4], Float32Array.of(1, 1, scale, scale));
  b.addNode({
    name: 'upsample',
    opType: 'Resize',
    inputs: ['input', '', scales],
    outputs: ['output'],
    attributes: { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' },
  });
  return graphOf(`nearest-x${scale}`, b);
}

/**
 * Two zero-padded 3×3 convolutions with a ReLU between, then DepthToSpace(2): the shape of the converted
 * ESRGAN tail, with a receptive-field radius of exactly 2. Fixed pseudo-random weights whose fan-in sums to
 * about 1, so 0..255 in gives roughly 0..255 out.
 */
export function convGraph(): Graph {
  const b = new GraphBuilder();
  let seed = 7;
  const random = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const kernel = (out: number, inp: number) => {
    const fanIn = inp * 9;
    return Float32Array.from({ length: out * fanIn }, () => (random() * 2.4 - 0.2) / fanIn);
  };
  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1] };
  b.addNode({
    name: 'conv1',
    opType: 'Conv',
    inputs: [
      'input',
      b.addInitializer('w1', [8, 3, 3, 3], kernel(8, 3)),
      b.addInitializer('b1', [8], new Float32Array(8).fill(-20)),
    ],
    outputs: ['features'],
    attributes: conv,
  });
  b.addNode({ name: 'relu', opType: 'Relu', inputs: ['features'], outputs: ['active'] });
  b.addNode({
    name: 'conv2',
    opType: 'Conv',
    inputs: [
      'active',
      b.addInitializer('w2', [12, 8, 3, 3], kernel(12, 8)),
      b.addInitializer('b2', [12], new Float32Array(12).fill(20)),
    ],
    outputs: ['phases'],
    attributes: conv,
  });
  b.addNode({
    name: 'depth_to_space',
    opType: 'DepthToSpace',
    inputs: ['phases'],
    outputs: ['output'],
    attributes: { blocksize: 2, mode: 'DCR' },
  });
  return graphOf('conv-x2', b);
}

interface TestModel {
  name: string;
  range: [number, number];
  variants: { scale: number; graph: Graph }[];
}

/** The models `writeTestModels` installs. */
export const TEST_MODELS: readonly TestModel[] = [
  {
    name: 'nearest',
    range: [0, 255],
    variants: [
      { scale: 2, graph: nearestGraph(2) },
      { scale: 4, graph: nearestGraph(4) },
    ],
  },
  { name: 'nearest-unit', range: [0, 1], variants: [{ scale: 2, graph: nearestGraph(2) }] },
  { name: 'conv', range: [0, 255], variants: [{ scale: 2, graph: convGraph() }] },
];

/** Writes every test model as `<dir>/<name>/manifest.json` + `x<scale>.onnx` and returns `dir`. */
export async function writeTestModels(dir: string): Promise<string> {
  for (const model of TEST_MODELS) {
    const folder = join(dir, model.name);
    await mkdir(folder, { recursive: true });
    const variants: ModelManifest['variants'] = [];
    for (const { scale, graph } of model.variants) {
      const bytes = serialiseOnnx(graph);
      const file = `x${scale}.onnx`;
      await writeFile(join(folder, file), bytes);
      variants.push({ scale, file, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    const manifest: ModelManifest = {
      name: model.name,
      description: 'test model',
      variants,
      inputRange: model.range,
      outputRange: model.range,
      layout: 'NCHW',
      channels: 3,
      source: { package: 'pixelforge-tests', version: '0' },
      licence: 'Apache-2.0',
    };
    await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  }
  return dir;
}
