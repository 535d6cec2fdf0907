// The enhancement engine as configured: one place that turns the configuration into an Enhancer.
import { createEnhancer } from '../adapters/onnx/create-enhancer.ts';
import { inferenceBudgetBytes, type Config } from '../config/config.ts';
import type { Enhancer } from '../ports/enhancer.ts';

/**
 * The engine every process builds from the same settings (worker, derivatives, CLI); the CLI passes its own
 * models folder and a --threads flag, which win over the configuration.
 */
export function enhancerFromConfig(
  config: Config,
  overrides: { modelsDir?: string; threads?: number | undefined } = {},
): Enhancer {
  const threads =
    overrides.threads ?? (config.PIXELFORGE_THREADS > 0 ? config.PIXELFORGE_THREADS : undefined);
  return createEnhancer({
    modelsDir: overrides.modelsDir ?? config.PIXELFORGE_MODELS_DIR,
    ...(threads ? { threads } : {}),
    provider: config.PIXELFORGE_PROVIDER,
    memoryBudgetBytes: inferenceBudgetBytes(config),
    maxInputPixels: config.PIXELFORGE_MAX_PIXELS,
  });
}
