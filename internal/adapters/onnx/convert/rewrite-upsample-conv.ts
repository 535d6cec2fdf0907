// Rewrites nearest ×k upsampling followed by a convolution into a low-resolution convolution + DepthToSpace.
//
// With nearest upsampling, high-resolution pixel (k·h + i) is low-resolution pixel h, so a kernel tap t at
// output phase i reads low-resolution offset ⌊(i − padBegin + t) / k⌋. Summing the taps that land on the
// same offset gives, per phase, an ordinary low-resolution kernel; stacking the k² phases as output
// channels in DCR order and applying DepthToSpace(k) yields the same image without ever materialising
// the k²-times larger upsampled tensor. Zero padding maps exactly: high-resolution pixels outside the
// image are exactly the ones whose low-resolution pixel is outside it.
import { GraphInvariantError } from './convert-errors.ts';
import { GraphBuilder, withoutUnusedInitializers } from './graph.ts';
import type { Graph, GraphNode, Tensor } from './graph.ts';

interface AxisPlan {
  /** Lowest and highest low-resolution offset any phase reads; low ≤ 0 ≤ high. */
  readonly low: number;
  readonly high: number;
  readonly size: number;
  /** offsets[phase][tap] = low-resolution offset minus `low`. */
  readonly offsets: readonly (readonly number[])[];
}

function planAxis(k: number, kernel: number, padBegin: number): AxisPlan {
  const offsetOf = (phase: number, tap: number): number => Math.floor((phase - padBegin + tap) / k);
  const low = offsetOf(0, 0);
  const high = offsetOf(k - 1, kernel - 1);
  const offsets = Array.from({ length: k }, (_, phase) =>
    Array.from({ length: kernel }, (_, tap) => offsetOf(phase, tap) - low),
  );
  return { low, high, size: high - low + 1, offsets };
}

/** The phase kernel [k²·O, I, KH', KW'] equivalent to kernel [O, I, KH, KW] applied after ×k upsampling. */
export function phaseKernel(
  weight: Tensor,
  k: number,
  pads: readonly number[],
): { weight: Tensor; pads: number[] } {
  const [outC = 0, inC = 0, kh = 0, kw = 0] = weight.dims;
  const [top = 0, left = 0] = pads;
  const rows = planAxis(k, kh, top);
  const cols = planAxis(k, kw, left);
  const data = new Float32Array(k * k * outC * inC * rows.size * cols.size);
  for (let i = 0; i < k; i++)
    for (let j = 0; j < k; j++)
      for (let o = 0; o < outC; o++) {
        const phaseOut = (i * k + j) * outC + o;
        for (let c = 0; c < inC; c++)
          for (let ty = 0; ty < kh; ty++)
            for (let tx = 0; tx < kw; tx++) {
              const a = rows.offsets[i]?.[ty] ?? 0;
              const b = cols.offsets[j]?.[tx] ?? 0;
              const target = ((phaseOut * inC + c) * rows.size + a) * cols.size + b;
              data[target] = (data[target] ?? 0) + (weight.data[((o * inC + c) * kh + ty) * kw + tx] ?? 0);
            }
      }
  return {
    weight: { dims: [k * k * outC, inC, rows.size, cols.size], data },
    // Zero rows before and after the low-resolution input, as far as any phase reaches past the image.
    pads: [-rows.low, -cols.low, rows.high, cols.high],
  };
}

function intsAttribute(node: GraphNode, name: string): readonly number[] {
  const value = node.attributes[name];
  return Array.isArray(value) ? value : [];
}

/** The ×k factor of a nearest, asymmetric, floor Resize with equal integer scales, else undefined. */
function nearestUpsampleFactor(graph: Graph, node: GraphNode): number | undefined {
  const { mode, coordinate_transformation_mode: transform, nearest_mode: rounding } = node.attributes;
  if (node.opType !== 'Resize' || mode !== 'nearest' || transform !== 'asymmetric' || rounding !== 'floor')
    return;
  const scales = graph.initializers.get(node.inputs[2] ?? '')?.data;
  const [n, c, h, w] = scales ?? [];
  if (n !== 1 || c !== 1 || h !== w || h === undefined || !Number.isInteger(h) || h < 2) return;
  return h;
}

/** A stride-1, undilated, ungrouped Conv whose padding keeps the size ("same"), so phases tile the output. */
function isSameSizeConv(node: GraphNode): boolean {
  const [kh = 0, kw = 0] = intsAttribute(node, 'kernel_shape');
  const [top = 0, left = 0, bottom = 0, right = 0] = intsAttribute(node, 'pads');
  return (
    node.opType === 'Conv' &&
    intsAttribute(node, 'strides').every((s) => s === 1) &&
    intsAttribute(node, 'dilations').every((d) => d === 1) &&
    (node.attributes.group ?? 1) === 1 &&
    top + bottom === kh - 1 &&
    left + right === kw - 1
  );
}

/** Returns a graph where every Resize(nearest ×k) → Conv pair is replaced by Conv → DepthToSpace(k). */
export function rewriteUpsampleConv(graph: Graph): Graph {
  const consumers = new Map<string, GraphNode[]>();
  for (const node of graph.nodes)
    for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node]);

  const replaced = new Map<GraphNode, GraphNode[]>();
  const dropped = new Set<GraphNode>();
  const builder = new GraphBuilder();
  for (const resize of graph.nodes) {
    const k = nearestUpsampleFactor(graph, resize);
    const upsampled = resize.outputs[0] ?? '';
    const users = consumers.get(upsampled) ?? [];
    const conv = users[0];
    if (
      k === undefined ||
      users.length !== 1 ||
      !conv ||
      !isSameSizeConv(conv) ||
      upsampled === graph.outputName
    )
      continue;
    if (conv.inputs[0] !== upsampled) continue;
    const [, weightName = '', biasName] = conv.inputs;
    const weight = graph.initializers.get(weightName);
    if (!weight) throw new GraphInvariantError(`conv ${conv.name} has no constant kernel`);
    const phases = phaseKernel(weight, k, intsAttribute(conv, 'pads'));
    const inputs = [
      resize.inputs[0] ?? '',
      builder.addInitializer(`${conv.name}/phase_kernel`, phases.weight.dims, phases.weight.data),
    ];
    if (biasName) {
      const bias = graph.initializers.get(biasName);
      if (!bias) throw new GraphInvariantError(`conv ${conv.name} has no constant bias`);
      const tiled = new Float32Array(k * k * bias.data.length);
      for (let p = 0; p < k * k; p++) tiled.set(bias.data, p * bias.data.length);
      inputs.push(builder.addInitializer(`${conv.name}/phase_bias`, [tiled.length], tiled));
    }
    const phaseOutput = `${conv.name}/phases`;
    dropped.add(resize);
    replaced.set(conv, [
      {
        name: `${conv.name}/phases`,
        opType: 'Conv',
        inputs,
        outputs: [phaseOutput],
        attributes: { ...conv.attributes, kernel_shape: phases.weight.dims.slice(2), pads: phases.pads },
      },
      {
        name: `${conv.name}/depth_to_space`,
        opType: 'DepthToSpace',
        inputs: [phaseOutput],
        outputs: conv.outputs,
        attributes: { blocksize: k, mode: 'DCR' },
      },
    ]);
  }

  const nodes = graph.nodes.flatMap((node) => (dropped.has(node) ? [] : (replaced.get(node) ?? [node])));
  return {
    ...graph,
    nodes,
    initializers: withoutUnusedInitializers(nodes, graph.initializers, builder.initializers),
  };
}
