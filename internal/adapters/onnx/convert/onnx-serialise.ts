// Serialises the converter's graph to ONNX protobuf bytes (opset 13), byte-reproducibly.
import { GraphInvariantError } from './convert-errors.ts';
import type { AttributeValue, Graph, Tensor } from './graph.ts';
import { AttributeType, ModelProto, ONNX_FLOAT } from './onnx-schema.ts';

/** Opset 13 has every op the converter emits (Resize with `nearest_mode`, DepthToSpace `mode`). */
export const OPSET = 13;
/** IR version 7 is the one that goes with opset 13. */
const IR_VERSION = 7;

/** Fixed identity of the producer; it is in the bytes, so it changes only when the output format changes. */
const PRODUCER = { name: 'pixelforge-convert', version: '1' };

export interface SerialiseOptions {
  readonly docString?: string;
  /** Written as `metadata_props`, in key order. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Symbolic names of the output's height and width. */
  readonly outputDims?: readonly [string, string];
}

function attribute(name: string, value: AttributeValue): object {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: Buffer.from(value, 'utf8') };
  if (typeof value === 'number') {
    if (!Number.isInteger(value))
      throw new GraphInvariantError(`attribute ${name} = ${value} is not an integer`);
    return { name, type: AttributeType.INT, i: value };
  }
  if ('float' in value) return { name, type: AttributeType.FLOAT, f: value.float };
  return { name, type: AttributeType.INTS, ints: [...value] };
}

function tensor(name: string, { dims, data }: Tensor): object {
  // raw_data must be little-endian whatever the host is.
  const raw = Buffer.alloc(data.length * 4);
  data.forEach((value, i) => raw.writeFloatLE(value, i * 4));
  return { name, dims: [...dims], dataType: ONNX_FLOAT, rawData: raw };
}

function imageValue(name: string, channels: number, [height, width]: readonly [string, string]): object {
  const dims = [{ dimParam: 'batch' }, { dimValue: channels }, { dimParam: height }, { dimParam: width }];
  return { name, type: { tensorType: { elemType: ONNX_FLOAT, shape: { dim: dims } } } };
}

/** Encodes `graph` as an ONNX ModelProto; NCHW float32 input and output with symbolic batch and size. */
export function serialiseOnnx(graph: Graph, options: SerialiseOptions = {}): Uint8Array {
  const metadata = Object.entries(options.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const model = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER.name,
    producerVersion: PRODUCER.version,
    docString: options.docString ?? '',
    metadataProps: metadata.map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      node: graph.nodes.map((node) => ({
        name: node.name,
        opType: node.opType,
        input: [...node.inputs],
        output: [...node.outputs],
        attribute: Object.entries(node.attributes)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([name, value]) => attribute(name, value)),
      })),
      initializer: [...graph.initializers].map(([name, value]) => tensor(name, value)),
      input: [imageValue(graph.inputName, graph.inputChannels, ['height', 'width'])],
      output: [
        imageValue(graph.outputName, graph.outputChannels, options.outputDims ?? ['out_height', 'out_width']),
      ],
    },
  };
  const invalid = ModelProto.verify(model);
  if (invalid) throw new GraphInvariantError(`the ONNX model does not fit the schema: ${invalid}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
