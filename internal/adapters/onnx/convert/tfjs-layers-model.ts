// Reads a TF.js layers model (model.json topology, weight manifest and .bin shards) from disk, without TF.js.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ModelFormatError, UnsupportedLayerError } from './convert-errors.ts';
import type { Tensor } from './graph.ts';

/** `[layerName, nodeIndex, tensorIndex, kwargs?]`, Keras' reference to one output of one call of a layer. */
const TensorRef = z.tuple([z.string(), z.number().int(), z.number().int()], z.unknown());

const KerasLayerJson = z.object({
  class_name: z.string(),
  name: z.string(),
  config: z.record(z.string(), z.unknown()),
  inbound_nodes: z.array(z.array(TensorRef)),
});

const FunctionalConfig = z.object({
  class_name: z.enum(['Functional', 'Model']),
  config: z.object({
    layers: z.array(KerasLayerJson),
    input_layers: z.tuple([TensorRef]),
    output_layers: z.tuple([TensorRef]),
  }),
});

const WeightSpec = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  dtype: z.string(),
  quantization: z.unknown().optional(),
});

const LayersModelJson = z.object({
  format: z.literal('layers-model').optional(),
  // TF.js writes Keras' topology either wrapped in `model_config` or bare.
  modelTopology: z.union([z.object({ model_config: FunctionalConfig }), FunctionalConfig]),
  weightsManifest: z.array(z.object({ paths: z.array(z.string()).min(1), weights: z.array(WeightSpec) })),
});

/** One Keras layer, called once, with the names of the layers feeding it in Keras' inbound order. */
export interface KerasLayer {
  readonly className: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly string[];
}

/** A single-input, single-output functional Keras model and its float32 weights by name (`layer/kernel`). */
export interface LayersModel {
  readonly layers: readonly KerasLayer[];
  readonly inputLayer: string;
  readonly outputLayer: string;
  readonly weights: ReadonlyMap<string, Tensor>;
  /** Number of trained values in the weight manifest. */
  readonly parameters: number;
}

/** Reads and validates `model.json` and its weight shards; throws ModelFormatError or UnsupportedLayerError. */
export async function readLayersModel(modelJsonPath: string): Promise<LayersModel> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  } catch (err) {
    throw new ModelFormatError(modelJsonPath, 'cannot read it as JSON', { cause: err });
  }
  const parsed = LayersModelJson.safeParse(json);
  if (!parsed.success) throw new ModelFormatError(modelJsonPath, z.prettifyError(parsed.error));
  const topology = parsed.data.modelTopology;
  const { config } = 'model_config' in topology ? topology.model_config : topology;

  const layers = config.layers.map((layer) => toKerasLayer(layer));
  const weights = await readWeights(modelJsonPath, parsed.data.weightsManifest);
  let parameters = 0;
  for (const tensor of weights.values()) parameters += tensor.data.length;
  return {
    layers,
    inputLayer: config.input_layers[0][0],
    outputLayer: config.output_layers[0][0],
    weights,
    parameters,
  };
}

function toKerasLayer(layer: z.infer<typeof KerasLayerJson>): KerasLayer {
  const identity = { className: layer.class_name, name: layer.name };
  // A layer called more than once (shared weights) would need one ONNX subgraph per call.
  if (layer.inbound_nodes.length > 1)
    throw new UnsupportedLayerError(identity, 'the layer is called more than once');
  const inbound = layer.inbound_nodes[0] ?? [];
  for (const [source, nodeIndex, tensorIndex] of inbound) {
    if (nodeIndex !== 0 || tensorIndex !== 0) {
      throw new UnsupportedLayerError(
        identity,
        `input ${source}[${nodeIndex}][${tensorIndex}] is not a first output`,
      );
    }
  }
  return { ...identity, config: layer.config, inputs: inbound.map(([source]) => source) };
}

async function readWeights(
  modelJsonPath: string,
  manifest: z.infer<typeof LayersModelJson>['weightsManifest'],
): Promise<Map<string, Tensor>> {
  const weights = new Map<string, Tensor>();
  const dir = path.dirname(modelJsonPath);
  for (const group of manifest) {
    // TF.js concatenates a group's shards and reads its weights back to back.
    const shards = await Promise.all(group.paths.map((shard) => readFile(path.join(dir, shard))));
    const bytes = Buffer.concat(shards);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const spec of group.weights) {
      if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
        throw new ModelFormatError(
          modelJsonPath,
          `weight ${spec.name} is ${spec.dtype}; only float32 is supported`,
        );
      }
      const count = spec.shape.reduce((product, dim) => product * dim, 1);
      if (offset + count * 4 > bytes.byteLength) {
        throw new ModelFormatError(modelJsonPath, `the weight shards end before weight ${spec.name}`);
      }
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + i * 4, true);
      offset += count * 4;
      if (weights.has(spec.name))
        throw new ModelFormatError(modelJsonPath, `weight ${spec.name} appears twice`);
      weights.set(spec.name, { dims: spec.shape, data });
    }
    if (offset !== bytes.byteLength) {
      throw new ModelFormatError(
        modelJsonPath,
        `${bytes.byteLength - offset} bytes of weight data are not described`,
      );
    }
  }
  return weights;
}
