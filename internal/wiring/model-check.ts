// The request-time check of a model and scale, shared by the ingress (400) and the controller's request
// consumer (dead letter): what the worker would refuse seconds later, refused at once.
import { createModelRegistry } from '../adapters/onnx/model-registry.ts';
import { MODEL_ALIASES, resolveVariant } from '../enhance/model-catalogue.ts';
import { UnknownModelError, UnknownScaleError } from '../enhance/enhance-errors.ts';
import { ValidationError } from '../errors/errors.ts';

/**
 * Checks a requested model and scale against the installed manifests, as the worker will resolve them: an alias
 * passes when it names a model that has the scale on either kind of worker (CPU or GPU). With no models
 * installed where the ingress runs, nothing can be checked and the worker reports instead.
 */
export function modelChecker(modelsDir: string) {
  const registry = createModelRegistry(modelsDir);
  return async (model: string, scale: number | undefined) => {
    const manifests = await registry.manifests();
    if (manifests.length === 0) return;
    let refusal: Error | undefined;
    for (const aliases of Object.values(MODEL_ALIASES)) {
      try {
        resolveVariant(manifests, model, scale, aliases);
        return;
      } catch (err) {
        refusal ??= err as Error;
      }
    }
    if (refusal instanceof UnknownModelError)
      throw new ValidationError(
        `model ${JSON.stringify(model)} is not installed; choose one of ${[...Object.keys(MODEL_ALIASES.cpu), ...manifests.map((m) => m.name).sort()].join(', ')}`,
        refusal.details,
      );
    if (refusal instanceof UnknownScaleError) {
      const { available } = refusal.details as { available: number[] };
      throw new ValidationError(
        `scale ${scale} is not one of ${model}'s native scales (${available.join(', ')}); use outscale for other sizes`,
        refusal.details,
      );
    }
    throw refusal!;
  };
}
