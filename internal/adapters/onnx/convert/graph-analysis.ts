// Walks a graph to find each value's channel count and spatial scale, and from them the model's cost.
import { GraphInvariantError } from './convert-errors.ts';
import { elementCount } from './graph.ts';
import type { Graph, GraphNode, Tensor } from './graph.ts';

/** What the analysis needs: the nodes, their constants and the graph input. */
export type AnalysableGraph = Pick<Graph, 'nodes' | 'initializers' | 'inputName' | 'inputChannels'>;

/** Shape facts about every value, relative to an input of 1×1 pixel. */
export interface GraphAnalysis {
  readonly channels: ReadonlyMap<string, number>;
  /** Linear spatial scale of each value relative to the input (×4 after a 4× upsampling). */
  readonly scale: ReadonlyMap<string, number>;
  /** Dense multiply-adds of all Conv nodes per input pixel. */
  readonly macsPerInputPixel: number;
}

function valueOf<T>(map: ReadonlyMap<string, T>, name: string, node: GraphNode): T {
  const value = map.get(name);
  if (value === undefined)
    throw new GraphInvariantError(`node ${node.name} reads ${name} before it is produced`);
  return value;
}

function constant(graph: AnalysableGraph, name: string | undefined, node: GraphNode): Tensor {
  const tensor = name === undefined ? undefined : graph.initializers.get(name);
  if (!tensor) throw new GraphInvariantError(`node ${node.name} needs a constant input ${name ?? '(none)'}`);
  return tensor;
}

/** Propagates channels and scale through the ops the converter emits; throws on any other op. */
export function analyseGraph(graph: AnalysableGraph): GraphAnalysis {
  const channels = new Map([[graph.inputName, graph.inputChannels]]);
  const scale = new Map([[graph.inputName, 1]]);
  let macsPerInputPixel = 0;
  for (const node of graph.nodes) {
    const first = node.inputs[0] ?? '';
    let c = valueOf(channels, first, node);
    let s = valueOf(scale, first, node);
    switch (node.opType) {
      case 'Conv': {
        const weight = constant(graph, node.inputs[1], node);
        c = weight.dims[0] ?? 0;
        macsPerInputPixel += elementCount(weight.dims) * s * s;
        break;
      }
      case 'Concat':
        c = node.inputs.reduce((sum, name) => sum + valueOf(channels, name, node), 0);
        break;
      case 'Resize': {
        const [, , sh, sw] = constant(graph, node.inputs[2], node).data;
        // Fractional scales are fine (Real-ESRGAN's ×2/×3 are ×4 and a ×0.5/×0.75 resize); the converter
        // checks that the graph's overall scale is an integer.
        if (sh !== sw) throw new GraphInvariantError(`${node.name}: unequal scales`);
        s *= sh ?? 1;
        break;
      }
      case 'DepthToSpace': {
        const k = Number(node.attributes.blocksize);
        c /= k * k;
        s *= k;
        break;
      }
      case 'Add':
      case 'Mul':
      case 'Relu':
      case 'LeakyRelu':
      case 'PRelu':
      case 'Identity':
        break;
      default:
        throw new GraphInvariantError(`analysis does not know op ${node.opType}`);
    }
    for (const output of node.outputs) {
      channels.set(output, c);
      scale.set(output, s);
    }
  }
  return { channels, scale, macsPerInputPixel };
}

/** Dense multiply-adds per output pixel: what the runtime executes, zero weights included. */
export function macsPerOutputPixel(graph: Graph): number {
  const analysis = analyseGraph(graph);
  const outputScale = analysis.scale.get(graph.outputName) ?? 1;
  return Math.round(analysis.macsPerInputPixel / (outputScale * outputScale));
}

/** The upscaling factor of the graph: output size ÷ input size. */
export function outputScale(graph: Graph): number {
  return analyseGraph(graph).scale.get(graph.outputName) ?? 1;
}

/**
 * Float32 bytes per input pixel of the values alive at once at the worst step of a run in node order: each
 * value lives from the node that makes it until its last reader (the output until the end). It is what
 * onnxruntime's memory planner, which reuses a buffer once its value is dead, needs at least; the engine
 * scales it into its tile-size estimate.
 */
export function peakActivationBytesPerInputPixel(graph: Graph): number {
  const { channels, scale } = analyseGraph(graph);
  const bytes = (name: string): number => 4 * (channels.get(name) ?? 0) * (scale.get(name) ?? 1) ** 2;
  const lastRead = new Map<string, number>();
  graph.nodes.forEach((node, i) => node.inputs.forEach((input) => lastRead.set(input, i)));
  lastRead.set(graph.outputName, graph.nodes.length);
  const live = new Set([graph.inputName]);
  let peak = bytes(graph.inputName);
  graph.nodes.forEach((node, i) => {
    for (const output of node.outputs) live.add(output);
    peak = Math.max(
      peak,
      [...live].reduce((sum, name) => sum + bytes(name), 0),
    );
    for (const name of [...live]) if ((lastRead.get(name) ?? -1) <= i) live.delete(name);
  });
  return Math.round(peak);
}
