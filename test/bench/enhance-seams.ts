// The smallest tile pad that keeps tiled output within one level of untiled output, per Real-ESRGAN model,
// on a real photograph, and what that pad costs a 512×512 image at the default memory budget.
//
// The SRVGG models' receptive field is exact and small (32 input pixels), so their pad is that radius. The
// RRDB models' field is far larger than any tile, but the influence of far pixels decays below half a level
// long before it ends: this finds where, which is the pad the manifests record (`exact: false`).
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { maxDiff } from '../../internal/adapters/sharp/test-images.ts';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';
import { createModelRegistry } from '../../internal/adapters/onnx/model-registry.ts';
import type { ModelManifest } from '../../internal/enhance/model-manifest.ts';
import { planTiles } from '../../internal/enhance/tile-plan.ts';
import {
  DEFAULT_MEMORY_BUDGET_BYTES,
  chooseTileSize,
  estimateBytesPerInputPixel,
} from '../../internal/enhance/tile-size.ts';
import { benchPhotos } from './photos.ts';
import { table } from './load-stats.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '../../models');
const PADS = [8, 12, 16, 20, 24, 32, 40, 48, 56, 64];
/**
 * A strip of a photo, cut into tiles along its length: 5 seams, each with more context on both sides than the
 * largest pad, on an image small enough for RRDB to run in seconds. (The fields are isotropic.)
 */
const CROP = { width: 192, height: 32 };
const TILE = 32;

async function cropOfPhoto(file: string): Promise<Buffer> {
  const image = sharp(file);
  const { width = 0, height = 0 } = await image.metadata();
  // The centre, brought down to 384 px on the short side first so that the crop has a photo's detail per pixel.
  const small = await image
    .resize({ width: Math.round((384 * width) / Math.min(width, height)) })
    .png()
    .toBuffer();
  const meta = await sharp(small).metadata();
  return sharp(small)
    .extract({
      left: Math.floor(((meta.width ?? 0) - CROP.width) / 2),
      top: Math.floor(((meta.height ?? 0) - CROP.height) / 2),
      ...CROP,
    })
    .png()
    .toBuffer();
}

/**
 * A models folder whose manifests record a receptive field of 0, with links to the real files: the engine
 * takes the larger of the requested pad and the recorded radius, and here the requested pad must rule.
 */
async function withZeroRecordedFields(manifests: readonly ModelManifest[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-seams-'));
  for (const manifest of manifests) {
    await mkdir(path.join(dir, manifest.name));
    for (const variant of manifest.variants)
      await symlink(
        path.join(MODELS_DIR, manifest.name, variant.file),
        path.join(dir, manifest.name, variant.file),
      );
    const variants = manifest.variants.map((v) => ({ ...v, receptiveField: { radius: 0, exact: false } }));
    await writeFile(
      path.join(dir, manifest.name, 'manifest.json'),
      JSON.stringify({ ...manifest, variants }),
    );
  }
  return dir;
}

/** Input pixels run for a 512×512 image at the default budget with `pad`, relative to one untiled run. */
function overhead512(
  pad: number,
  scale: number,
  activationBytes: number | undefined,
): { ratio: number; tiles: number } {
  const tileSize = chooseTileSize({
    width: 512,
    height: 512,
    pad,
    budgetBytes: DEFAULT_MEMORY_BUDGET_BYTES,
    bytesPerInputPixel: estimateBytesPerInputPixel(scale, activationBytes),
  });
  const plan = planTiles({ width: 512, height: 512, tileSize, pad });
  const pixels = plan.tiles.reduce((sum, t) => sum + t.padded.width * t.padded.height, 0);
  return { ratio: pixels / (512 * 512), tiles: plan.tiles.length };
}

export async function benchEnhanceSeams(
  models = ['realesr-general-x4v3', 'realesrgan-x4plus', 'realesrgan-x4plus-anime'],
): Promise<string> {
  const photos = (await benchPhotos()).slice(0, 3);
  const crops = await Promise.all(photos.map(cropOfPhoto));
  const manifests = await createModelRegistry(MODELS_DIR).manifests();
  const unpadded = await withZeroRecordedFields(manifests.filter((m) => models.includes(m.name)));
  const enhancer = createEnhancer({ modelsDir: unpadded, threads: 2 });
  const rows: string[][] = [];
  try {
    for (const model of models) {
      const variant = manifests.find((m) => m.name === model)?.variants[0];
      const references = await Promise.all(
        crops.map(async (crop) => (await enhancer.enhance(crop, { model, output: { format: 'png' } })).data),
      );
      const raw = async (png: Buffer) => (await sharp(png).raw().toBuffer({ resolveWithObject: true })).data;
      const referenceRaw = await Promise.all(references.map(raw));
      const worstByPad: string[] = [];
      let chosen: number | undefined;
      for (const pad of PADS) {
        let worst = 0;
        for (const [i, crop] of crops.entries()) {
          const tiled = await enhancer.enhance(crop, {
            model,
            tile: { size: TILE, pad },
            output: { format: 'png' },
          });
          worst = Math.max(worst, maxDiff(await raw(tiled.data), referenceRaw[i]!));
        }
        worstByPad.push(`${pad}:${worst}`);
        if (worst <= 1 && chosen === undefined) chosen = pad;
        if (chosen !== undefined && pad >= chosen + 8) break;
      }
      const cost =
        chosen === undefined
          ? undefined
          : overhead512(chosen, variant?.scale ?? 4, variant?.activationBytesPerInputPixel);
      rows.push([
        model,
        worstByPad.join(' '),
        chosen === undefined ? `> ${PADS.at(-1)}` : String(chosen),
        cost ? `${cost.tiles} tiles, ${cost.ratio.toFixed(2)}×` : '',
      ]);
    }
  } finally {
    await enhancer.close();
    await rm(unpadded, { recursive: true, force: true });
  }
  return [
    `enhance seams: ${photos.length} photo strips of ${CROP.width}×${CROP.height}, tiles of ${TILE}, worst level difference to the untiled result by pad`,
    table([['model', 'pad:worst level', 'smallest pad ≤ 1', '512×512 at the default budget'], ...rows]),
  ].join('\n');
}
