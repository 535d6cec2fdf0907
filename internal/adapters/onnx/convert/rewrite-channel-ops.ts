// Rewrites per-channel elementwise ops (PRelu, Mul by a constant) into depthwise 1×1 convolutions.
//
// onnxruntime's CPU provider runs convolutions in a blocked NCHWc layout and keeps a chain in that layout
// only through ops it knows there: Conv (depthwise included, with a fused Relu or a fused Add), Add, Concat,
// Relu. PRelu and a Mul by a constant are not among them, so before this rewrite every one of them cost a
// reorder out of the layout, a slow broadcasting kernel and a reorder back. Measured on Real-ESRGAN that
// was 28 % of general-x4v3's time (PRelu after each of its 33 convolutions) and 10 % of x4plus's (one
// `× 0.2` per RRDB block, which also pushed every Concat of the next block out of the layout).
//
// PRelu with slope s per channel, on the output y of any op:
//   s ≤ 1:  PRelu(y) =  s·y + Relu((1 − s)·y)
//   s > 1: −PRelu(y) = −s·y + Relu((s − 1)·y)
// Both are a depthwise conv + Relu plus a depthwise conv + Add, which onnxruntime fuses into two NCHWc
// passes. Channels with s > 1 come out negated; every reader of the PRelu must then be a convolution, whose
// kernel takes the sign back (its input channel negated: exact). Where that does not hold the PRelu stays.
// Mul by a scalar or per-channel constant k is the depthwise conv with kernel k (exact: the same products).
import { GraphInvariantError } from './convert-errors.ts';
import { analyseGraph } from './graph-analysis.ts';
import { GraphBuilder, elementCount, withoutUnusedInitializers } from './graph.ts';
import type { Graph, GraphNode, Tensor } from './graph.ts';

/**
 * Channel counts the rewrite applies to: onnxruntime's NCHWc block is 16 channels with AVX-512 and 8 with
 * AVX2, and a tensor whose channels do not fill blocks stays in NCHW anyway (the RGB input and output).
 */
const BLOCK = 16;

/** The values of a scalar, [C,1,1] or [1,C,1,1] constant, one per channel; undefined for any other shape. */
function perChannel(tensor: Tensor | undefined, channels: number): Float32Array | undefined {
  if (!tensor) return undefined;
  if (elementCount(tensor.dims) === 1) return new Float32Array(channels).fill(tensor.data[0] ?? 0);
  // ONNX broadcasts from the last axis: a plain [C] would be per column, not per channel.
  const [a, b, c, d] = tensor.dims;
  const shaped =
    (tensor.dims.length === 3 && a === channels && b === 1 && c === 1) ||
    (tensor.dims.length === 4 && a === 1 && b === channels && c === 1 && d === 1);
  return shaped ? tensor.data : undefined;
}

function isPlainConv(node: GraphNode, input: string): boolean {
  return node.opType === 'Conv' && node.inputs[0] === input && (node.attributes.group ?? 1) === 1;
}

/**
 * Returns `graph` with every PRelu and every Mul by a constant on a tensor of whole 16-channel blocks
 * replaced as described above, and the kernels of the convolutions that read a sign-flipped PRelu corrected.
 */
export function rewriteChannelOps(graph: Graph): Graph {
  const { channels } = analyseGraph(graph);
  const readers = new Map<string, GraphNode[]>();
  for (const node of graph.nodes)
    for (const input of node.inputs) readers.set(input, [...(readers.get(input) ?? []), node]);

  const builder = new GraphBuilder();
  const replaced = new Map<GraphNode, GraphNode[]>();
  /** Input channels of a reader conv to negate, by reader. */
  const negatedInputs = new Map<GraphNode, Set<number>>();

  const depthwise = (name: string, input: string, kernel: Float32Array, output: string): GraphNode => ({
    name,
    opType: 'Conv',
    inputs: [input, builder.addInitializer(`${name}/kernel`, [kernel.length, 1, 1, 1], kernel)],
    outputs: [output],
    attributes: { kernel_shape: [1, 1], group: kernel.length },
  });

  for (const node of graph.nodes) {
    if (node.opType !== 'Mul' && node.opType !== 'PRelu') continue;
    const output = node.outputs[0] ?? '';
    // The value, then its constant factor: the order the front ends emit and graph analysis reads.
    const [value = '', constant = ''] = node.inputs;
    const c = channels.get(value) ?? 0;
    const factor = perChannel(graph.initializers.get(constant), c);
    if (c === 0 || c % BLOCK !== 0 || !factor || graph.initializers.has(value)) continue;

    if (node.opType === 'Mul') {
      replaced.set(node, [depthwise(node.name, value, Float32Array.from(factor), output)]);
      continue;
    }
    const slope = factor;
    const flipped = [...slope.keys()].filter((i) => (slope[i] ?? 0) > 1);
    const users = readers.get(output) ?? [];
    if (flipped.length > 0 && (output === graph.outputName || !users.every((u) => isPlainConv(u, output))))
      continue;
    const sign = (i: number): number => (flipped.includes(i) ? -1 : 1);
    const linear = slope.map((s, i) => sign(i) * s);
    const hinge = slope.map((s) => Math.abs(1 - s));
    replaced.set(node, [
      depthwise(`${node.name}/hinge`, value, hinge, `${node.name}/hinge`),
      {
        name: `${node.name}/relu`,
        opType: 'Relu',
        inputs: [`${node.name}/hinge`],
        outputs: [`${node.name}/relu`],
        attributes: {},
      },
      depthwise(`${node.name}/linear`, value, linear, `${node.name}/linear`),
      {
        name: `${node.name}/sum`,
        opType: 'Add',
        inputs: [`${node.name}/linear`, `${node.name}/relu`],
        outputs: [output],
        attributes: {},
      },
    ]);
    for (const user of users) negatedInputs.set(user, new Set(flipped));
  }

  const nodes = graph.nodes.flatMap((node) => {
    const negated = negatedInputs.get(node);
    if (!negated || negated.size === 0) return replaced.get(node) ?? [node];
    const weightName = node.inputs[1] ?? '';
    const weight = graph.initializers.get(weightName);
    if (!weight) throw new GraphInvariantError(`conv ${node.name} has no constant kernel`);
    const [outC = 0, inC = 0] = weight.dims;
    const perInput = elementCount(weight.dims) / (outC * inC);
    const data = Float32Array.from(weight.data);
    for (let o = 0; o < outC; o++)
      for (const c of negated)
        for (let t = 0; t < perInput; t++)
          data[(o * inC + c) * perInput + t] = -(data[(o * inC + c) * perInput + t] ?? 0);
    const inputs = [...node.inputs];
    inputs[1] = builder.addInitializer(`${node.name}/sign_corrected_kernel`, weight.dims, data);
    return [{ ...node, inputs }];
  });
  return {
    ...graph,
    nodes,
    initializers: withoutUnusedInitializers(nodes, graph.initializers, builder.initializers),
  };
}
