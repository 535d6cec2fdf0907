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

/**
 * Above this many multiply-adds per output pixel at its default scale a model is recommended for GPUs. On the
 * CPU the models run at 0.84–0.89 of a measured ~160 GMAC/s on two cores (BENCHMARKS.md "Enhancement engine"):
 * esrgan-thick (454 k) makes 0.31 MP/s, about 10 minutes for a 12 MP ×4 output, while the models under 100 k
 * make 3–7 MP/s.
 */
export const RECOMMEND_GPU_MACS = 250_000;

const aliasesOf = (side: 'cpu' | 'gpu', model: string) =>
  Object.entries(MODEL_ALIASES[side])
    .filter(([, target]) => target === model)
    .map(([alias]) => alias);

/** Summaries of the installed models, sorted by name. */
export function summarise(manifests: readonly ModelManifest[]): ModelSummary[] {
  return [...manifests]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => {
      const aliases = { cpu: aliasesOf('cpu', m.name), gpu: aliasesOf('gpu', m.name) };
      const all = [...aliases.cpu, ...aliases.gpu];
      const defaultCost = defaultVariant(m).macsPerOutputPixel ?? 0;
      return {
        name: m.name,
        description: m.description,
        scales: m.variants.map((v) => v.scale),
        defaultScale: defaultVariant(m).scale,
        licence: m.licence,
        source: m.source,
        kind: all.includes('video')
          ? 'video'
          : all.includes('anime') && !all.includes('photo')
            ? 'anime'
            : 'photo',
        recommendedProvider: defaultCost > RECOMMEND_GPU_MACS ? 'gpu' : 'cpu',
        costs: m.variants.map((v) => ({ scale: v.scale, macsPerOutputPixel: v.macsPerOutputPixel ?? null })),
        aliases,
      };
    });
}
