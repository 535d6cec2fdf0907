// Resolves a requested (model, scale) to one variant of the installed models, with errors that list the choices.
import { UnknownModelError, UnknownScaleError } from './enhance-errors.ts';
import type { ModelManifest, ModelVariant } from './model-manifest.ts';
import type { ModelSummary } from '../ports/enhancer.ts';

/** A model and the one variant of it a request runs. */
export interface ResolvedVariant {
  manifest: ModelManifest;
  variant: ModelVariant;
}

/**
 * The variant a request without `scale` runs: the first one the manifest lists. The manifest author orders
 * variants by preference (the converter lists the best-quality native scale first), so the choice stays with
 * the data rather than a rule in code that cannot know which variant is best.
 */
export function defaultVariant(manifest: ModelManifest): ModelVariant {
  return manifest.variants[0]!;
}

/** Picks the variant for `(model, scale)`; throws UnknownModelError or UnknownScaleError naming what exists. */
export function resolveVariant(
  manifests: readonly ModelManifest[],
  model: string,
  scale?: number,
): ResolvedVariant {
  const manifest = manifests.find((m) => m.name === model);
  if (!manifest) throw new UnknownModelError(model, manifests.map((m) => m.name).sort());
  if (scale === undefined) return { manifest, variant: defaultVariant(manifest) };
  const variant = manifest.variants.find((v) => v.scale === scale);
  if (!variant)
    throw new UnknownScaleError(
      model,
      scale,
      manifest.variants.map((v) => v.scale),
    );
  return { manifest, variant };
}

/** Summaries of the installed models, sorted by name. */
export function summarise(manifests: readonly ModelManifest[]): ModelSummary[] {
  return [...manifests]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({
      name: m.name,
      description: m.description,
      scales: m.variants.map((v) => v.scale),
      defaultScale: defaultVariant(m).scale,
      licence: m.licence,
      source: m.source,
    }));
}
