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

/** Names that stand for a model chosen by what the image is and where it runs. */
export type ModelAlias = 'auto' | 'photo' | 'anime' | 'video';

/**
 * The models the aliases stand for, chosen by measurement (BENCHMARKS.md "Quality"): on photos,
 * realesr-general-x4v3 restores 0.91 of the reference's sharpness at 75 k multiply-adds per output pixel,
 * and realesrgan-x4plus 1.13 at 1.1 M, so the heavy one is the photo model only where a GPU pays for it.
 * `auto` is the photo model. On drawings (BENCHMARKS.md "Quality on drawings") realesr-general-x4v3 beat
 * realesr-animevideov3 on PSNR, SSIM and sharpness, so it is the CPU's `anime` model too; on a GPU,
 * realesrgan-x4plus-anime draws the crispest lines (0.98 of the reference's sharpness). `video` keeps the
 * model made for video frames; no video material was measured.
 */
export const MODEL_ALIASES: Readonly<Record<'cpu' | 'gpu', Readonly<Record<ModelAlias, string>>>> = {
  cpu: {
    auto: 'realesr-general-x4v3',
    photo: 'realesr-general-x4v3',
    anime: 'realesr-general-x4v3',
    video: 'realesr-animevideov3',
  },
  gpu: {
    auto: 'realesrgan-x4plus',
    photo: 'realesrgan-x4plus',
    anime: 'realesrgan-x4plus-anime',
    video: 'realesr-animevideov3',
  },
};

/** The aliases for where `provider` runs: the CPU choices on `cpu`, the GPU ones on any other provider. */
export function aliasesFor(provider: string | undefined): Readonly<Record<string, string>> {
  return MODEL_ALIASES[!provider || provider === 'cpu' ? 'cpu' : 'gpu'];
}

/** The model a name stands for where `provider` runs: an alias resolved, any other name as it is. */
export function modelForName(name: string, provider: string): string {
  return aliasesFor(provider)[name] ?? name;
}

/**
 * Picks the variant for `(model, scale)`; `model` may be an alias of `aliases`. Throws UnknownModelError or
 * UnknownScaleError naming what exists.
 */
export function resolveVariant(
  manifests: readonly ModelManifest[],
  requested: string,
  scale?: number,
  aliases: Readonly<Record<string, string>> = MODEL_ALIASES.cpu,
): ResolvedVariant {
  const model = aliases[requested] ?? requested;
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
