// Maps the layers of an NCNN model (as Real-ESRGAN-ncnn-vulkan ships them) onto the converter's graph, one
// exact ONNX equivalent per layer; anything it cannot map exactly is refused with the layer's name.
import { UnsupportedLayerError } from './convert-errors.ts';
import { GraphBuilder, type Graph } from './graph.ts';
import { arrayParam, intParam, type NcnnLayer, type NcnnModel } from './ncnn-model.ts';

export interface NcnnToGraphOptions {
  readonly name: string;
}

const INPUT = 'input';
const OUTPUT = 'output';
// ncnn's Interp resize_type and the ONNX Resize that computes the same samples.
const RESIZE_MODES: Record<number, Record<string, string | { float: number }>> = {
  1: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
  2: { mode: 'linear', coordinate_transformation_mode: 'half_pixel' },
  3: { mode: 'cubic', coordinate_transformation_mode: 'half_pixel', cubic_coeff_a: { float: -0.75 } },
};

/** The graph of `model`: NCHW, input `input`, output `output` (its last unconsumed blob). */
export function ncnnToGraph(model: NcnnModel, { name }: NcnnToGraphOptions): Graph {
  const builder = new GraphBuilder();
  // Split layers only fan a blob out; their outputs are other names for their input.
  const alias = new Map<string, string>();
  const consumed = new Set(model.layers.flatMap((l) => l.inputs));
  const finalBlob = model.layers.flatMap((l) => l.outputs).filter((b) => !consumed.has(b));
  if (finalBlob.length !== 1) {
    throw new UnsupportedLayerError(
      { className: 'Model', name },
      `${finalBlob.length} outputs; one is supported`,
    );
  }
  const valueOf = (blob: string) => alias.get(blob) ?? blob;
  const outputOf = (layer: NcnnLayer, i = 0) =>
    layer.outputs[i] === finalBlob[0] ? OUTPUT : layer.outputs[i]!;
  const refuse = (layer: NcnnLayer, reason: string): never => {
    throw new UnsupportedLayerError({ className: layer.type, name: layer.name }, reason);
  };
  let inputChannels = 3;

  for (const layer of model.layers) {
    const inputs = layer.inputs.map(valueOf);
    const out = outputOf(layer);
    switch (layer.type) {
      case 'Input':
        alias.set(layer.outputs[0]!, INPUT);
        inputChannels = intParam(layer, 2, 3) || 3;
        break;
      case 'Split':
        for (const blob of layer.outputs) alias.set(blob, inputs[0]!);
        break;
      case 'Convolution': {
        const outChannels = intParam(layer, 0, 0);
        const kernel = intParam(layer, 1, 0);
        const dilation = intParam(layer, 2, 1);
        const stride = intParam(layer, 3, 1);
        const pad = intParam(layer, 4, 0);
        const [weight, bias] = layer.weights;
        if (layer.params.has(11) || layer.params.has(13) || layer.params.has(14))
          refuse(layer, 'non-square kernels, strides or pads');
        if (pad < 0) refuse(layer, `pad ${pad} ("same" padding) is not supported`);
        const inChannels = weight!.length / (outChannels * kernel * kernel);
        if (!Number.isInteger(inChannels)) refuse(layer, 'weight size does not match the kernel');
        const w = builder.addInitializer(
          `${layer.name}/weight`,
          [outChannels, inChannels, kernel, kernel],
          weight!,
        );
        const b = bias ? [builder.addInitializer(`${layer.name}/bias`, [outChannels], bias)] : [];
        const activation = intParam(layer, 9, 0);
        const convOut = activation === 0 ? out : `${layer.name}/conv`;
        builder.addNode({
          name: layer.name,
          opType: 'Conv',
          inputs: [inputs[0]!, w, ...b],
          outputs: [convOut],
          attributes: {
            kernel_shape: [kernel, kernel],
            pads: [pad, pad, pad, pad],
            strides: [stride, stride],
            dilations: [dilation, dilation],
          },
        });
        if (activation === 1) {
          builder.addNode({ name: `${layer.name}/relu`, opType: 'Relu', inputs: [convOut], outputs: [out] });
        } else if (activation === 2) {
          const slope = arrayParam(layer, 10)?.[0] ?? 0;
          builder.addNode({
            name: `${layer.name}/leaky_relu`,
            opType: 'LeakyRelu',
            inputs: [convOut],
            outputs: [out],
            attributes: { alpha: { float: slope } },
          });
        } else if (activation !== 0) {
          refuse(layer, `activation_type ${activation}`);
        }
        break;
      }
      case 'PReLU': {
        const [slope] = layer.weights;
        const dims = slope!.length === 1 ? [1] : [slope!.length, 1, 1];
        const s = builder.addInitializer(`${layer.name}/slope`, dims, slope!);
        builder.addNode({ name: layer.name, opType: 'PRelu', inputs: [inputs[0]!, s], outputs: [out] });
        break;
      }
      case 'Concat': {
        const axis = intParam(layer, 0, 0);
        if (axis !== 0) refuse(layer, `axis ${axis}: only channels`);
        builder.addNode({
          name: layer.name,
          opType: 'Concat',
          inputs,
          outputs: [out],
          attributes: { axis: 1 },
        });
        break;
      }
      case 'Eltwise': {
        if (intParam(layer, 0, 1) !== 1) refuse(layer, 'only the sum');
        const coefficients = arrayParam(layer, 1) ?? [];
        const terms = inputs.map((input, i) => {
          const c = coefficients[i] ?? 1;
          if (c === 1) return input;
          const k = builder.addInitializer(`${layer.name}/coefficient${i}`, [], Float32Array.of(c));
          const scaled = `${layer.name}/term${i}`;
          builder.addNode({ name: scaled, opType: 'Mul', inputs: [input, k], outputs: [scaled] });
          return scaled;
        });
        let sum = terms[0]!;
        for (let i = 1; i < terms.length; i++) {
          const next = i === terms.length - 1 ? out : `${layer.name}/sum${i}`;
          builder.addNode({
            name: `${layer.name}/add${i}`,
            opType: 'Add',
            inputs: [sum, terms[i]!],
            outputs: [next],
          });
          sum = next;
        }
        break;
      }
      case 'BinaryOp': {
        const op = intParam(layer, 0, 0);
        const opType = { 0: 'Add', 1: 'Sub', 2: 'Mul' }[op];
        if (!opType || inputs.length !== 2 || intParam(layer, 1, 0))
          refuse(layer, `op_type ${op} on scalars`);
        builder.addNode({ name: layer.name, opType: opType!, inputs, outputs: [out] });
        break;
      }
      case 'Interp': {
        const mode = RESIZE_MODES[intParam(layer, 0, 0)];
        if (!mode) refuse(layer, `resize_type ${intParam(layer, 0, 0)}`);
        if (intParam(layer, 3, 0) || intParam(layer, 4, 0) || intParam(layer, 6, 0))
          refuse(layer, 'fixed output sizes or align_corner');
        const [sh, sw] = [layer.params.get(1) ?? 1, layer.params.get(2) ?? 1] as number[];
        const scales = builder.addInitializer(`${layer.name}/scales`, [4], Float32Array.of(1, 1, sh!, sw!));
        builder.addNode({
          name: layer.name,
          opType: 'Resize',
          inputs: [inputs[0]!, '', scales],
          outputs: [out],
          attributes: mode!,
        });
        break;
      }
      case 'PixelShuffle': {
        // ncnn's mode 0 reads channel c·r² + i·r + j for output (c, h·r + i, w·r + j): ONNX's CRD order.
        if (intParam(layer, 1, 0) !== 0) refuse(layer, 'mode 1');
        builder.addNode({
          name: layer.name,
          opType: 'DepthToSpace',
          inputs: [inputs[0]!],
          outputs: [out],
          attributes: { blocksize: intParam(layer, 0, 1), mode: 'CRD' },
        });
        break;
      }
      default:
        refuse(layer, 'no exact ONNX equivalent is implemented');
    }
  }
  if (!builder.nodes.some((n) => n.outputs.includes(OUTPUT))) {
    throw new UnsupportedLayerError({ className: 'Model', name }, 'the output is an alias of the input');
  }
  return {
    name,
    inputName: INPUT,
    outputName: OUTPUT,
    inputChannels,
    outputChannels: 3,
    nodes: builder.nodes,
    initializers: builder.initializers,
  };
}
