// Reads the model manifests under a models directory and hands out model files verified against their sha256.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ModelIntegrityError, ModelManifestError } from '../../enhance/enhance-errors.ts';
import { ModelManifest } from '../../enhance/model-manifest.ts';
import type { ResolvedVariant } from '../../enhance/model-catalogue.ts';

export interface ModelRegistry {
  /** Every manifest under the directory, read and validated once. */
  manifests(): Promise<ModelManifest[]>;
  /** Absolute path of a variant's file. */
  pathOf(resolved: ResolvedVariant): Promise<string>;
  /** The bytes of a variant's file; throws ModelIntegrityError when they do not match the manifest's sha256. */
  readVerified(resolved: ResolvedVariant): Promise<Buffer>;
}

/**
 * Creates a registry over `modelsDir/<name>/manifest.json`. Folders without a manifest are skipped (they may
 * hold work in progress); an invalid manifest fails loudly with ModelManifestError rather than hiding a model.
 * A missing directory means no models are installed.
 */
export function createModelRegistry(modelsDir: string): ModelRegistry {
  let catalogue: Promise<Map<string, { manifest: ModelManifest; dir: string }>> | undefined;

  async function load() {
    const found = new Map<string, { manifest: ModelManifest; dir: string }>();
    const entries = await readdir(modelsDir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    // Linked folders count: operators often keep large weights elsewhere and link them in.
    for (const entry of entries.filter(
      (e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.'),
    )) {
      const dir = resolve(modelsDir, entry.name);
      const path = join(dir, 'manifest.json');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) continue;
        throw err;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new ModelManifestError(path, (err as Error).message, { cause: err });
      }
      const parsed = ModelManifest.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
        throw new ModelManifestError(path, issues.join('; '));
      }
      const manifest = parsed.data;
      const other = found.get(manifest.name);
      if (other)
        throw new ModelManifestError(path, `model name "${manifest.name}" is also used in ${other.dir}`);
      for (const variant of manifest.variants) {
        const file = resolve(dir, variant.file);
        if (!file.startsWith(dir + sep))
          throw new ModelManifestError(path, `${variant.file} is outside ${dir}`);
      }
      found.set(manifest.name, { manifest, dir });
    }
    return found;
  }

  function entries() {
    catalogue ??= load().catch((err: unknown) => {
      catalogue = undefined;
      throw err;
    });
    return catalogue;
  }

  async function pathOf({ manifest, variant }: ResolvedVariant): Promise<string> {
    const entry = (await entries()).get(manifest.name);
    if (!entry) throw new ModelManifestError(manifest.name, 'the model is not in the registry');
    return resolve(entry.dir, variant.file);
  }

  return {
    async manifests() {
      return [...(await entries()).values()].map((e) => e.manifest);
    },
    pathOf,
    async readVerified(resolved) {
      const path = await pathOf(resolved);
      const bytes = await readFile(path).catch((err: Error) => {
        throw new ModelIntegrityError(path, err.message, { cause: err });
      });
      const actual = createHash('sha256').update(bytes).digest('hex');
      if (actual !== resolved.variant.sha256) {
        throw new ModelIntegrityError(
          path,
          `its sha256 is ${actual}, the manifest says ${resolved.variant.sha256}`,
        );
      }
      return bytes;
    },
  };
}
