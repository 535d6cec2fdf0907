// Converts one NCNN model (`.param` + `.bin`) to ONNX bytes plus the facts the manifest records about it.
import { UnsupportedLayerError } from './convert-errors.ts';
import type { ConvertedLayersModel } from './convert-layers-model.ts';
import { macsPerOutputPixel, outputScale } from './graph-analysis.ts';
import { readNcnnModel } from './ncnn-model.ts';
import { ncnnToGraph } from './ncnn-to-graph.ts';
import { serialiseOnnx } from './onnx-serialise.ts';
import { rewriteUpsampleConv } from './rewrite-upsample-conv.ts';

export interface ConvertNcnnModelOptions {
  readonly name: string;
  /** Replace nearest upsampling + Conv by a low-resolution conv + DepthToSpace (default true). */
  readonly rewrite?: boolean;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Reads the two files, maps the layers, optionally rewrites and serialises; the same files give the same bytes. */
export async function convertNcnnModel(
  files: { param: string; bin: string },
  options: ConvertNcnnModelOptions,
): Promise<ConvertedLayersModel> {
  const model = await readNcnnModel(files.param, files.bin);
  const faithful = ncnnToGraph(model, { name: options.name });
  const graph = options.rewrite === false ? faithful : rewriteUpsampleConv(faithful);
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
    parameters: model.parameters,
  };
}
