// The catalogue of npm packages whose TF.js layers models are converted into models/, and how to find them.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { ModelFormatError, SourcePackageNotInstalledError } from './convert-errors.ts';

/** One model family from one package: its name in models/ and the layers model of each scale. */
export interface ModelSource {
  /** The name users pass as `model`, and the folder under models/. */
  readonly name: string;
  readonly package: string;
  readonly description: string;
  /** The package's input and output range (UpscalerJS' `inputRange`/`outputRange`); outputs are not clipped. */
  readonly range: readonly [number, number];
  readonly variants: readonly { readonly scale: number; readonly path: string }[];
}

// The engine runs a manifest's first variant when a request names no scale: ×4 is the scale UpscalerJS
// users typically ask for; which scale gives the best quality has not been measured.
const scaleFolders = (scales: readonly number[]): ModelSource['variants'] =>
  scales.map((scale) => ({ scale, path: `models/x${scale}/model.json` }));

/** Every source, in the order they are converted. */
export const MODEL_SOURCES: readonly ModelSource[] = [
  {
    name: 'esrgan-slim',
    package: '@upscalerjs/esrgan-slim',
    description: 'UpscalerJS ESRGAN slim: RDN (C1 D2 G4 G0 64) trained on DIV2K; fastest, 0..255 RGB.',
    range: [0, 255],
    variants: scaleFolders([4, 2, 3, 8]),
  },
  {
    name: 'esrgan-medium',
    package: '@upscalerjs/esrgan-medium',
    description: 'UpscalerJS ESRGAN medium: RDN (C1 D10 G64 G0 64) trained on DIV2K; 0..255 RGB.',
    range: [0, 255],
    variants: scaleFolders([4, 2, 3, 8]),
  },
  {
    name: 'esrgan-thick',
    package: '@upscalerjs/esrgan-thick',
    description: 'UpscalerJS ESRGAN thick: RRDN (C4 D3 G32 G0 64 T10) trained on DIV2K; slowest, 0..1 RGB.',
    range: [0, 1],
    variants: scaleFolders([4, 2, 3, 8]),
  },
  {
    name: 'esrgan-default',
    package: '@upscalerjs/default-model',
    description:
      "UpscalerJS' default model, RDN (C1 D2 G4 G0 64) ×2 on DIV2K; 0..255 RGB. Same weights as esrgan-slim ×2.",
    range: [0, 255],
    variants: [{ scale: 2, path: 'models/model.json' }],
  },
];

const PackageJson = z.object({ name: z.string(), version: z.string(), license: z.string() });

/** Where an installed source package lives and what its package.json says. */
export interface InstalledPackage {
  readonly dir: string;
  readonly name: string;
  readonly version: string;
  readonly license: string;
}

/** Finds an installed package by walking Node's module search paths (its `exports` hide package.json). */
export async function findInstalledPackage(name: string): Promise<InstalledPackage> {
  const candidates = createRequire(import.meta.url).resolve.paths(name) ?? [];
  const dir = candidates
    .map((base) => path.join(base, name))
    .find((d) => existsSync(path.join(d, 'package.json')));
  if (!dir) throw new SourcePackageNotInstalledError(name);
  const parsed = PackageJson.safeParse(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')));
  if (!parsed.success) throw new ModelFormatError(name, `package.json: ${z.prettifyError(parsed.error)}`);
  return { dir, ...parsed.data };
}
