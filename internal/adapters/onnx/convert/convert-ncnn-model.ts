// Converts one NCNN model (`.param` + `.bin`) to ONNX bytes plus the facts the manifest records about it.
import { finishConversion } from './convert-layers-model.ts';
import type { ConvertedLayersModel, ConvertLayersModelOptions } from './convert-layers-model.ts';
import { readNcnnModel } from './ncnn-model.ts';
import { ncnnToGraph } from './ncnn-to-graph.ts';

/** Reads the two files, maps the layers, optionally rewrites and serialises; the same files give the same bytes. */
export async function convertNcnnModel(
  files: { param: string; bin: string },
  options: ConvertLayersModelOptions,
): Promise<ConvertedLayersModel> {
  const model = await readNcnnModel(files.param, files.bin);
  return finishConversion(ncnnToGraph(model, { name: options.name }), model.parameters, options);
}
