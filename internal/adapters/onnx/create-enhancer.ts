// Builds the production Enhancer: the engine on onnxruntime-node for inference and sharp for image I/O.
import type { AlphaMode, Enhancer, ExecutionProvider } from '../../ports/enhancer.ts';
import { createEnhanceService } from '../../enhance/enhance-service.ts';
import { aliasesFor } from '../../enhance/model-catalogue.ts';
import { createSharpCodec } from '../sharp/sharp-codec.ts';
import { createOnnxRuntime } from './onnx-runtime.ts';

export interface EnhancerConfig {
  /** Folder holding `<model>/manifest.json` and the `.onnx` files, e.g. `models`. */
  modelsDir: string;
  /** Threads per inference; default: every core. */
  threads?: number;
  /** Default `cpu`; `cuda` fails loudly (ProviderUnavailableError) when it cannot load. */
  provider?: ExecutionProvider;
  /** Working set of one tile's inference, which picks the tile size when a request gives none; default 512 MiB. */
  memoryBudgetBytes?: number;
  /** Inputs with more pixels are refused from the header, before decoding; default 40 M. */
  maxInputPixels?: number;
  /** Results with more pixels are refused before inference; default 0x3fff² (libvips' own limit). */
  maxOutputPixels?: number;
  /** Alpha handling when a request names none; default `lanczos`. */
  alpha?: AlphaMode;
}

/** Creates the Enhancer; sessions are created on first use of each model variant and reused. */
export function createEnhancer({ modelsDir, threads, provider, ...engine }: EnhancerConfig): Enhancer {
  return createEnhanceService({
    runtime: createOnnxRuntime({ modelsDir, threads, provider }),
    codec: createSharpCodec(),
    // The heavy photo model only where a GPU runs it (MODEL_ALIASES).
    aliases: aliasesFor(provider),
    ...engine,
  });
}
