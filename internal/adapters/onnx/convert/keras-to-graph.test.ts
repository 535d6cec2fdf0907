import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ModelFormatError, UnsupportedLayerError } from './convert-errors.ts';
import { kerasToGraph } from './keras-to-graph.ts';
import type { Tensor } from './graph.ts';
import { readLayersModel } from './tfjs-layers-model.ts';
import type { KerasLayer, LayersModel } from './tfjs-layers-model.ts';

const input: KerasLayer = {
  className: 'InputLayer',
  name: 'LR',
  config: { batch_input_shape: [null, null, null, 3] },
  inputs: [],
};

function conv(name: string, from: string, overrides: Record<string, unknown> = {}): KerasLayer {
  const config = {
    filters: 3,
    kernel_size: [3, 3],
    strides: [1, 1],
    padding: 'same',
    data_format: 'channels_last',
    dilation_rate: [1, 1],
    groups: 1,
    activation: 'linear',
    use_bias: true,
    ...overrides,
  };
  return { className: 'Conv2D', name, config, inputs: [from] };
}

function convWeights(name: string, cin = 3): [string, Tensor][] {
  return [
    [`${name}/kernel`, { dims: [3, 3, cin, 3], data: new Float32Array(27 * cin) }],
    [`${name}/bias`, { dims: [3], data: new Float32Array(3) }],
  ];
}

function model(layers: KerasLayer[], weights: [string, Tensor][], output: string): LayersModel {
  return {
    layers: [input, ...layers],
    inputLayer: 'LR',
    outputLayer: output,
    weights: new Map(weights),
    parameters: 0,
  };
}

const convert = (m: LayersModel) => kerasToGraph(m, { name: 'test', source: 'model.json' });

describe('kerasToGraph', () => {
  test('keeps Keras inbound order for Concatenate and names the graph ends input and output', () => {
    const graph = convert(
      model(
        [
          conv('a', 'LR'),
          conv('b', 'LR'),
          { className: 'Concatenate', name: 'cat', config: { axis: 3 }, inputs: ['b', 'a'] },
          conv('SR', 'cat'),
        ],
        [...convWeights('a'), ...convWeights('b'), ...convWeights('SR', 6)],
        'SR',
      ),
    );
    assert.deepEqual(graph.nodes.find((node) => node.opType === 'Concat')?.inputs, ['b', 'a']);
    assert.deepEqual(graph.nodes[0]?.inputs[0], 'input');
    assert.deepEqual(graph.nodes.at(-1)?.outputs, ['output']);
    assert.equal(graph.outputChannels, 3);
  });

  test('refuses a layer type it has no exact mapping for, naming the layer', () => {
    const dense: KerasLayer = { className: 'Dense', name: 'fc', config: {}, inputs: ['LR'] };
    assert.throws(
      () => convert(model([dense], [], 'fc')),
      (err: unknown) => {
        assert.ok(err instanceof UnsupportedLayerError);
        assert.match(err.message, /fc \(Dense\)/);
        return true;
      },
    );
  });

  for (const [what, overrides] of [
    ['a strided conv', { strides: [2, 2] }],
    ['a dilated conv', { dilation_rate: [2, 2] }],
    ['a conv with a sigmoid activation', { activation: 'sigmoid' }],
  ] as const) {
    test(`refuses ${what} rather than converting it approximately`, () => {
      assert.throws(
        () => convert(model([conv('SR', 'LR', overrides)], convWeights('SR'), 'SR')),
        UnsupportedLayerError,
      );
    });
  }

  test('refuses bilinear upsampling', () => {
    const up: KerasLayer = {
      className: 'UpSampling2D',
      name: 'up',
      config: { size: [2, 2], data_format: 'channels_last', interpolation: 'bilinear' },
      inputs: ['LR'],
    };
    assert.throws(() => convert(model([up], [], 'up')), UnsupportedLayerError);
  });

  test('refuses weights that belong to no layer, since the model would not be what was trained', () => {
    const weights = [
      ...convWeights('SR'),
      ['extra/kernel', { dims: [1], data: new Float32Array(1) }] as [string, Tensor],
    ];
    assert.throws(() => convert(model([conv('SR', 'LR')], weights, 'SR')), ModelFormatError);
  });
});

describe('readLayersModel', () => {
  test('refuses weight shards shorter than the manifest says', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-layers-'));
    try {
      const topology = {
        class_name: 'Functional',
        config: { layers: [], input_layers: [['LR', 0, 0]], output_layers: [['SR', 0, 0]] },
      };
      const weights = [{ name: 'SR/kernel', shape: [3, 3, 3, 3], dtype: 'float32' }];
      await writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['w.bin'], weights }] }),
      );
      await writeFile(path.join(dir, 'w.bin'), new Uint8Array(8));
      await assert.rejects(readLayersModel(path.join(dir, 'model.json')), /end before weight SR\/kernel/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('refuses a file that is not a layers model', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-layers-'));
    try {
      await writeFile(
        path.join(dir, 'model.json'),
        JSON.stringify({ format: 'graph-model', modelTopology: {} }),
      );
      await assert.rejects(readLayersModel(path.join(dir, 'model.json')), ModelFormatError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
