// Maps each supported Keras layer to the ONNX nodes (NCHW) that compute exactly what TF.js computes for it.
import { z } from 'zod';
import { UnsupportedLayerError } from './convert-errors.ts';
import type { GraphBuilder, Tensor } from './graph.ts';
import type { KerasLayer } from './tfjs-layers-model.ts';

/** What a layer mapper gets: where to add nodes, its input and output value names, and its weights. */
export interface LayerContext {
  readonly builder: GraphBuilder;
  /** ONNX value names of the layer's inputs, in Keras' inbound order. */
  readonly inputs: readonly string[];
  readonly output: string;
  /** The layer's weight `name` (e.g. `kernel`); throws when the model has none. */
  weight(name: string): Tensor;
}

type LayerMapper = (layer: KerasLayer, context: LayerContext) => void;

const Pair = z.tuple([z.number().int().positive(), z.number().int().positive()]);
const Unit = z.tuple([z.literal(1), z.literal(1)]);

const Conv2DConfig = z.object({
  filters: z.number().int().positive(),
  kernel_size: Pair,
  // Keras' `same` padding with a stride > 1 depends on the input size; every model here uses stride 1.
  strides: Unit,
  padding: z.enum(['same', 'valid']),
  data_format: z.literal('channels_last'),
  dilation_rate: Unit,
  groups: z.literal(1).optional(),
  activation: z.enum(['linear', 'relu']),
  use_bias: z.boolean(),
});

const ActivationConfig = z.object({ activation: z.enum(['linear', 'relu']) });
// Channels are the last Keras axis (3, or -1), which is axis 1 in NCHW.
const ConcatenateConfig = z.object({ axis: z.union([z.literal(3), z.literal(-1)]) });
const UpSampling2DConfig = z.object({
  size: Pair,
  data_format: z.literal('channels_last'),
  interpolation: z.literal('nearest'),
});
// UpscalerJS' MultiplyBeta ignores its config and multiplies by the constant 0.2; refuse anything else.
const MultiplyBetaConfig = z.object({ beta: z.literal(0.2).optional() });
const PixelShuffleConfig = z.object({ scale: z.number().int().optional() });

function parseConfig<T>(schema: z.ZodType<T>, layer: KerasLayer): T {
  const parsed = schema.safeParse(layer.config);
  if (!parsed.success) throw new UnsupportedLayerError(layer, z.prettifyError(parsed.error));
  return parsed.data;
}

function onlyInput(layer: KerasLayer, context: LayerContext): string {
  const [input, ...rest] = context.inputs;
  if (input === undefined || rest.length > 0) {
    throw new UnsupportedLayerError(layer, `expected one input, got ${context.inputs.length}`);
  }
  return input;
}

function twoOrMoreInputs(layer: KerasLayer, context: LayerContext): [string, ...string[]] {
  const [first, ...rest] = context.inputs;
  if (first === undefined || rest.length === 0) {
    throw new UnsupportedLayerError(layer, `expected two or more inputs, got ${context.inputs.length}`);
  }
  return [first, ...rest];
}

/** Keras HWIO kernel → ONNX OIHW. */
function kernelToOihw(kernel: Tensor): Tensor {
  const [kh = 0, kw = 0, cin = 0, cout = 0] = kernel.dims;
  const data = new Float32Array(kernel.data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < cin; i++)
        for (let o = 0; o < cout; o++) {
          data[((o * cin + i) * kh + y) * kw + x] = kernel.data[((y * kw + x) * cin + i) * cout + o] ?? 0;
        }
  return { dims: [cout, cin, kh, kw], data };
}

/** TF's `same` padding for stride 1: the total k − 1, with the odd extra pixel at the end. */
function samePads(kernel: number): [number, number] {
  const before = Math.floor((kernel - 1) / 2);
  return [before, kernel - 1 - before];
}

const mapConv2D: LayerMapper = (layer, context) => {
  const config = parseConfig(Conv2DConfig, layer);
  const input = onlyInput(layer, context);
  const [kh, kw] = config.kernel_size;
  const kernel = context.weight('kernel');
  if (
    kernel.dims.length !== 4 ||
    kernel.dims[0] !== kh ||
    kernel.dims[1] !== kw ||
    kernel.dims[3] !== config.filters
  ) {
    throw new UnsupportedLayerError(
      layer,
      `kernel shape [${kernel.dims.join(', ')}] does not match the config`,
    );
  }
  const oihw = kernelToOihw(kernel);
  const inputs = [input, context.builder.addInitializer(`${layer.name}/kernel`, oihw.dims, oihw.data)];
  if (config.use_bias) {
    const bias = context.weight('bias');
    inputs.push(context.builder.addInitializer(`${layer.name}/bias`, bias.dims, bias.data));
  }
  const [top, bottom] = config.padding === 'same' ? samePads(kh) : [0, 0];
  const [left, right] = config.padding === 'same' ? samePads(kw) : [0, 0];
  const relu = config.activation === 'relu';
  const convOutput = relu ? `${layer.name}/linear` : context.output;
  context.builder.addNode({
    name: layer.name,
    opType: 'Conv',
    inputs,
    outputs: [convOutput],
    attributes: {
      kernel_shape: [kh, kw],
      pads: [top, left, bottom, right],
      strides: [1, 1],
      dilations: [1, 1],
      group: 1,
    },
  });
  if (relu) {
    context.builder.addNode({
      name: `${layer.name}/relu`,
      opType: 'Relu',
      inputs: [convOutput],
      outputs: [context.output],
    });
  }
};

const mapActivation: LayerMapper = (layer, context) => {
  const { activation } = parseConfig(ActivationConfig, layer);
  const input = onlyInput(layer, context);
  const opType = activation === 'relu' ? 'Relu' : 'Identity';
  context.builder.addNode({ name: layer.name, opType, inputs: [input], outputs: [context.output] });
};

const mapConcatenate: LayerMapper = (layer, context) => {
  parseConfig(ConcatenateConfig, layer);
  context.builder.addNode({
    name: layer.name,
    opType: 'Concat',
    inputs: twoOrMoreInputs(layer, context),
    outputs: [context.output],
    attributes: { axis: 1 },
  });
};

const mapAdd: LayerMapper = (layer, context) => {
  const [first, ...rest] = twoOrMoreInputs(layer, context);
  // TF.js adds the inputs left to right; chaining binary Adds keeps its rounding.
  let sum = first;
  rest.forEach((addend, i) => {
    const last = i === rest.length - 1;
    const output = last ? context.output : `${layer.name}/sum${i + 1}`;
    const name = rest.length === 1 ? layer.name : `${layer.name}/add${i + 1}`;
    context.builder.addNode({ name, opType: 'Add', inputs: [sum, addend], outputs: [output] });
    sum = output;
  });
};

const mapUpSampling2D: LayerMapper = (layer, context) => {
  const { size } = parseConfig(UpSampling2DConfig, layer);
  const input = onlyInput(layer, context);
  const scales = context.builder.addInitializer(
    `${layer.name}/scales`,
    [4],
    Float32Array.of(1, 1, size[0], size[1]),
  );
  // asymmetric + floor maps output pixel y to input pixel floor(y / k): exactly Keras' nearest repeat.
  context.builder.addNode({
    name: layer.name,
    opType: 'Resize',
    inputs: [input, '', scales],
    outputs: [context.output],
    attributes: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
  });
};

const mapMultiplyBeta: LayerMapper = (layer, context) => {
  parseConfig(MultiplyBetaConfig, layer);
  const input = onlyInput(layer, context);
  const beta = context.builder.addInitializer(`${layer.name}/beta`, [], Float32Array.of(0.2));
  context.builder.addNode({
    name: layer.name,
    opType: 'Mul',
    inputs: [input, beta],
    outputs: [context.output],
  });
};

/** UpscalerJS' `PixelShuffle<k>x` is `tf.depthToSpace(x, k, 'NHWC')`, whose channel order is ONNX's DCR mode. */
function mapPixelShuffle(blockSize: number): LayerMapper {
  return (layer, context) => {
    const { scale } = parseConfig(PixelShuffleConfig, layer);
    if (scale !== undefined && scale !== blockSize) {
      throw new UnsupportedLayerError(layer, `config scale ${scale} disagrees with the class name`);
    }
    context.builder.addNode({
      name: layer.name,
      opType: 'DepthToSpace',
      inputs: [onlyInput(layer, context)],
      outputs: [context.output],
      attributes: { blocksize: blockSize, mode: 'DCR' },
    });
  };
}

const layerMappers: Readonly<Record<string, LayerMapper>> = {
  Conv2D: mapConv2D,
  Activation: mapActivation,
  Concatenate: mapConcatenate,
  Add: mapAdd,
  UpSampling2D: mapUpSampling2D,
  MultiplyBeta: mapMultiplyBeta,
};

/** Returns the mapper for a layer class, or throws UnsupportedLayerError naming why it cannot be converted. */
export function layerMapperFor(layer: KerasLayer): LayerMapper {
  const pixelShuffle = /^PixelShuffle(\d)x$/.exec(layer.className);
  if (pixelShuffle) return mapPixelShuffle(Number(pixelShuffle[1]));
  const mapper = layerMappers[layer.className];
  if (!mapper) throw new UnsupportedLayerError(layer, 'no exact ONNX mapping for this layer type');
  return mapper;
}
