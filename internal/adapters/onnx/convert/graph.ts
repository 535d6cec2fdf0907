// The converter's intermediate graph: ONNX-shaped nodes and float32 initializers, built from Keras layers.
import { GraphInvariantError } from './convert-errors.ts';

/** A float attribute (a plain number is an integer one). */
export interface FloatAttribute {
  readonly float: number;
}

/** ONNX attribute values the converter emits: integers, floats, integer lists and strings. */
export type AttributeValue = number | FloatAttribute | string | readonly number[];

export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

/** A constant float32 tensor in row-major order. */
export interface Tensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A single-input, single-output image graph in NCHW layout. */
export interface Graph {
  readonly name: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly inputChannels: number;
  readonly outputChannels: number;
  /** Nodes in topological order. */
  readonly nodes: readonly GraphNode[];
  /** Insertion order is kept, so serialisation is byte-reproducible. */
  readonly initializers: ReadonlyMap<string, Tensor>;
}

/** Number of elements of a tensor with the given dimensions. */
export function elementCount(dims: readonly number[]): number {
  return dims.reduce((product, dim) => product * dim, 1);
}

/** Collects nodes and initializers while a graph is being built or rewritten. */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly initializers = new Map<string, Tensor>();

  /** Appends a node; attributes default to none. */
  addNode(node: Omit<GraphNode, 'attributes'> & { attributes?: GraphNode['attributes'] }): void {
    this.nodes.push({ attributes: {}, ...node });
  }

  /** The graph of what was added, reading `input` and writing `output` unless named otherwise. */
  toGraph(
    shape: Pick<Graph, 'name' | 'inputChannels' | 'outputChannels'> &
      Partial<Pick<Graph, 'inputName' | 'outputName'>>,
  ): Graph {
    return {
      inputName: 'input',
      outputName: 'output',
      ...shape,
      nodes: this.nodes,
      initializers: this.initializers,
    };
  }

  /** Adds a constant and returns its name; names must be unique because ONNX values share one namespace. */
  addInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    if (this.initializers.has(name)) throw new GraphInvariantError(`initializer ${name} is defined twice`);
    if (elementCount(dims) !== data.length) {
      throw new GraphInvariantError(
        `initializer ${name}: ${data.length} values do not fill dims [${dims.join(', ')}]`,
      );
    }
    this.initializers.set(name, { dims: [...dims], data });
    return name;
  }
}

/**
 * The initializers a rewritten node list still reads: the kept ones of `before` (in their order), then the
 * rewrite's `added` ones. Keeping the order keeps the serialised bytes reproducible.
 */
export function withoutUnusedInitializers(
  nodes: readonly GraphNode[],
  before: ReadonlyMap<string, Tensor>,
  added: ReadonlyMap<string, Tensor>,
): Map<string, Tensor> {
  const used = new Set(nodes.flatMap((node) => node.inputs));
  const initializers = new Map<string, Tensor>();
  for (const [name, tensor] of before) if (used.has(name)) initializers.set(name, tensor);
  for (const [name, tensor] of added) if (used.has(name)) initializers.set(name, tensor);
  return initializers;
}
