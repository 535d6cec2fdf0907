// Converts the catalogued model packages into models/<name>/x<scale>.onnx plus a manifest.json each.
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelManifest } from '../../../enhance/model-manifest.ts';
import { ModelFormatError, UnknownModelSourceError } from './convert-errors.ts';
import { convertLayersModel, type ConvertedLayersModel } from './convert-layers-model.ts';
import { findInstalledPackage, MODEL_SOURCES } from './model-sources.ts';
import type { ModelSource } from './model-sources.ts';
import { convertNcnnModel } from './convert-ncnn-model.ts';
import { NCNN_SOURCES, ncnnFiles, type NcnnSource } from './ncnn-sources.ts';

/** Writes through a temporary name, so a crash never leaves a half-written model next to a valid manifest. */
async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${file}.partial`;
  await writeFile(temporary, data);
  await rename(temporary, file);
}

/** Checks the converted scale against the catalogue, writes `x<scale>.onnx` and returns its manifest entry. */
async function writeVariant(
  dir: string,
  scale: number,
  converted: ConvertedLayersModel,
  sourcePath: string,
): Promise<ModelManifest['variants'][number]> {
  if (converted.scale !== scale) {
    throw new ModelFormatError(
      sourcePath,
      `the graph scales ×${converted.scale}, the catalogue says ×${scale}`,
    );
  }
  const file = `x${scale}.onnx`;
  await writeAtomically(path.join(dir, file), converted.onnx);
  return {
    scale,
    file,
    sha256: createHash('sha256').update(converted.onnx).digest('hex'),
    macsPerOutputPixel: converted.macsPerOutputPixel,
    parameters: converted.parameters,
    activationBytesPerInputPixel: converted.activationBytesPerInputPixel,
    sourcePath,
  };
}

/** Converts every scale of one source into `<outDir>/<name>/` and returns its validated manifest. */
export async function convertPackage(source: ModelSource, outDir: string): Promise<ModelManifest> {
  const installed = await findInstalledPackage(source.package);
  const dir = path.join(outDir, source.name);
  await mkdir(dir, { recursive: true });
  const variants: ModelManifest['variants'] = [];
  for (const variant of source.variants) {
    const converted = await convertLayersModel(path.join(installed.dir, variant.path), {
      name: `${source.name}-x${variant.scale}`,
      docString: `${source.description} Converted from ${installed.name}@${installed.version} ${variant.path}.`,
      metadata: {
        source: `${installed.name}@${installed.version}/${variant.path}`,
        license: installed.license,
      },
    });
    variants.push(await writeVariant(dir, variant.scale, converted, variant.path));
  }
  const manifest = ModelManifest.parse({
    name: source.name,
    description: source.description,
    variants,
    inputRange: [...source.range],
    outputRange: [...source.range],
    layout: 'NCHW',
    channels: 3,
    inputName: 'input',
    outputName: 'output',
    source: { package: installed.name, version: installed.version, path: 'models/' },
    licence: installed.license,
  } satisfies ModelManifest);
  await writeAtomically(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Converts one Real-ESRGAN model from its NCNN files (the package cache, or `fromDir`) into
 * `<outDir>/<name>/`; the manifest names the upstream project, its licence and the package the files came from.
 */
export async function convertNcnnSource(
  source: NcnnSource,
  outDir: string,
  fromDir?: string,
): Promise<ModelManifest> {
  const dir = path.join(outDir, source.name);
  await mkdir(dir, { recursive: true });
  const origin = fromDir ?? `${source.package.name}@${source.package.version}`;
  const variants: ModelManifest['variants'] = [];
  for (const variant of source.variants) {
    const files = ncnnFiles(source, variant.base, fromDir);
    const sourcePath = `${source.package.folder}/${variant.base}.param`;
    const converted = await convertNcnnModel(files, {
      name: `${source.name}-x${variant.scale}`,
      docString: `${source.description} Converted from ${origin} ${variant.base}.param/.bin.`,
      metadata: {
        source: `${origin}/${variant.base}`,
        license: source.upstreamLicense,
        upstream: source.upstream,
      },
    });
    variants.push({
      ...(await writeVariant(dir, variant.scale, converted, sourcePath)),
      receptiveField: { ...variant.receptiveField },
    });
  }
  const manifest = ModelManifest.parse({
    name: source.name,
    description: source.description,
    variants,
    inputRange: [0, 1],
    outputRange: [0, 1],
    layout: 'NCHW',
    channels: 3,
    inputName: 'input',
    outputName: 'output',
    source: fromDir
      ? { package: 'local files', version: '-', path: fromDir }
      : { package: source.package.name, version: source.package.version, path: `${source.package.folder}/` },
    licence: `${source.upstreamLicense} (weights: ${source.upstream}); files from ${origin}${fromDir ? '' : ` (${source.package.license})`}`,
  } satisfies ModelManifest);
  await writeAtomically(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Converts the models named in `only` (default: every UpscalerJS package of MODEL_SOURCES and every
 * Real-ESRGAN model of NCNN_SOURCES) into `outDir`; the same inputs always give the same bytes. `fromDir`
 * takes the Real-ESRGAN files from a directory instead of the package cache.
 */
export async function convertModels(options: {
  outDir: string;
  only?: string[];
  fromDir?: string;
}): Promise<ModelManifest[]> {
  const known = [...MODEL_SOURCES, ...NCNN_SOURCES].map((source) => source.name);
  for (const name of options.only ?? []) {
    if (!known.includes(name)) throw new UnknownModelSourceError(name, known);
  }
  const wanted = (name: string) => !options.only || options.only.includes(name);
  const manifests: ModelManifest[] = [];
  // With --from, only the NCNN models can come from that directory.
  if (!options.fromDir) {
    for (const source of MODEL_SOURCES.filter((s) => wanted(s.name)))
      manifests.push(await convertPackage(source, options.outDir));
  }
  for (const source of NCNN_SOURCES.filter((s) => wanted(s.name))) {
    manifests.push(await convertNcnnSource(source, options.outDir, options.fromDir));
  }
  return manifests;
}
