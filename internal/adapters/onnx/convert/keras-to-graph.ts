// Turns a functional Keras model, layer by layer in topological order, into the converter's NCHW graph.
import { ModelFormatError, UnsupportedLayerError } from './convert-errors.ts';
import { analyseGraph } from './graph-analysis.ts';
import { GraphBuilder } from './graph.ts';
import type { Graph, Tensor } from './graph.ts';
import { layerMapperFor } from './keras-layers.ts';
import type { KerasLayer, LayersModel } from './tfjs-layers-model.ts';

/** ONNX names of the graph's input and output; ORT users expect `input`. */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';

/** Orders layers so each comes after its inputs, keeping Keras' order among ready layers (deterministic). */
function topologicalOrder(layers: readonly KerasLayer[], source: string): KerasLayer[] {
  const done = new Set<string>();
  const ordered: KerasLayer[] = [];
  let pending = [...layers];
  while (pending.length > 0) {
    const ready = pending.filter((layer) => layer.inputs.every((input) => done.has(input)));
    if (ready.length === 0) {
      throw new ModelFormatError(
        source,
        `layers ${pending.map((l) => l.name).join(', ')} form a cycle or miss inputs`,
      );
    }
    for (const layer of ready) done.add(layer.name);
    ordered.push(...ready);
    pending = pending.filter((layer) => !done.has(layer.name));
  }
  return ordered;
}

function inputChannels(layer: KerasLayer): number {
  const shape = layer.config.batch_input_shape;
  const channels = Array.isArray(shape) ? shape[3] : undefined;
  if (!Array.isArray(shape) || shape.length !== 4 || typeof channels !== 'number') {
    throw new UnsupportedLayerError(layer, 'the input is not an NHWC image batch with a known channel count');
  }
  return channels;
}

/**
 * Converts a single-input, single-output Keras model to a graph whose values are named after its layers;
 * throws UnsupportedLayerError for a layer without an exact mapping and ModelFormatError for unused weights.
 */
export function kerasToGraph(model: LayersModel, options: { name: string; source: string }): Graph {
  const valueName = (layer: string): string =>
    layer === model.inputLayer ? INPUT_NAME : layer === model.outputLayer ? OUTPUT_NAME : layer;
  for (const layer of model.layers) {
    const inner = layer.name !== model.inputLayer && layer.name !== model.outputLayer;
    if (inner && (layer.name === INPUT_NAME || layer.name === OUTPUT_NAME)) {
      throw new ModelFormatError(
        options.source,
        `an inner layer is named ${layer.name}, which the graph reserves`,
      );
    }
  }

  const builder = new GraphBuilder();
  const usedWeights = new Set<string>();
  let channels: number | undefined;
  for (const layer of topologicalOrder(model.layers, options.source)) {
    if (layer.name === model.inputLayer) {
      if (layer.className !== 'InputLayer')
        throw new UnsupportedLayerError(layer, 'the model input is not an InputLayer');
      channels = inputChannels(layer);
      continue;
    }
    layerMapperFor(layer)(layer, {
      builder,
      inputs: layer.inputs.map(valueName),
      output: valueName(layer.name),
      weight(name: string): Tensor {
        const key = `${layer.name}/${name}`;
        const tensor = model.weights.get(key);
        if (!tensor) throw new ModelFormatError(options.source, `weight ${key} is missing`);
        usedWeights.add(key);
        return tensor;
      },
    });
  }
  const unused = [...model.weights.keys()].filter((key) => !usedWeights.has(key));
  if (unused.length > 0)
    throw new ModelFormatError(options.source, `weights ${unused.join(', ')} belong to no layer`);
  if (channels === undefined)
    throw new ModelFormatError(options.source, `input layer ${model.inputLayer} is missing`);

  const partial = {
    nodes: builder.nodes,
    initializers: builder.initializers,
    inputName: INPUT_NAME,
    inputChannels: channels,
  };
  const outputChannels = analyseGraph(partial).channels.get(OUTPUT_NAME);
  if (outputChannels === undefined)
    throw new ModelFormatError(options.source, `the output is not reachable from the input`);
  return { ...partial, name: options.name, outputName: OUTPUT_NAME, outputChannels };
}
