// Converts one TF.js layers model file to ONNX bytes plus the facts the manifest records about it.
import { UnsupportedLayerError } from './convert-errors.ts';
import { macsPerOutputPixel, outputScale, peakActivationBytesPerInputPixel } from './graph-analysis.ts';
import type { Graph } from './graph.ts';
import { kerasToGraph } from './keras-to-graph.ts';
import { serialiseOnnx } from './onnx-serialise.ts';
import { rewriteChannelOps } from './rewrite-channel-ops.ts';
import { rewriteUpsampleConv } from './rewrite-upsample-conv.ts';
import { readLayersModel } from './tfjs-layers-model.ts';

export interface ConvertLayersModelOptions {
  /** Graph name inside the ONNX file. */
  readonly name: string;
  /**
   * Apply the exact speed rewrites (default true; false = faithful): UpSampling2D + Conv2D as a
   * low-resolution conv + DepthToSpace, per-channel PRelu and Mul as depthwise convolutions.
   */
  readonly rewrite?: boolean;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ConvertedLayersModel {
  readonly onnx: Uint8Array;
  readonly graph: Graph;
  readonly scale: number;
  /** Dense multiply-adds per output pixel of the emitted graph. */
  readonly macsPerOutputPixel: number;
  /** The same for the layer-by-layer (faithful) graph, before rewrites. */
  readonly faithfulMacsPerOutputPixel: number;
  /** Trained values in the source model. */
  readonly parameters: number;
  /** Bytes per input pixel of the values alive at once at the worst step (see graph-analysis). */
  readonly activationBytesPerInputPixel: number;
}

/** Reads `modelJsonPath`, maps its layers, optionally rewrites and serialises; the same input gives the same bytes. */
export async function convertLayersModel(
  modelJsonPath: string,
  options: ConvertLayersModelOptions,
): Promise<ConvertedLayersModel> {
  const model = await readLayersModel(modelJsonPath);
  return finishConversion(
    kerasToGraph(model, { name: options.name, source: modelJsonPath }),
    model.parameters,
    options,
  );
}

/**
 * The steps every front end shares: optionally rewrite the faithful graph, check its scale, serialise.
 * `parameters` is the number of trained values in the source.
 */
export function finishConversion(
  faithful: Graph,
  parameters: number,
  options: ConvertLayersModelOptions,
): ConvertedLayersModel {
  const graph = options.rewrite === false ? faithful : rewriteChannelOps(rewriteUpsampleConv(faithful));
  const scale = outputScale(graph);
  if (!Number.isInteger(scale) || scale < 1) {
    throw new UnsupportedLayerError(
      { className: 'Model', name: options.name },
      `the output scale ${scale} is not an integer`,
    );
  }
  const onnx = serialiseOnnx(graph, {
    outputDims: [`height*${scale}`, `width*${scale}`],
    ...(options.docString === undefined ? {} : { docString: options.docString }),
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
  });
  return {
    onnx,
    graph,
    scale,
    macsPerOutputPixel: macsPerOutputPixel(graph),
    faithfulMacsPerOutputPixel: macsPerOutputPixel(faithful),
    parameters,
    activationBytesPerInputPixel: peakActivationBytesPerInputPixel(graph),
  };
}
