// Quality of every installed model against lanczos3 on real photographs or drawings: downscale ×4, restore, compare.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';
import { ModelIntegrityError } from '../../internal/enhance/enhance-errors.ts';
import type { EnhanceRequest } from '../../internal/ports/enhancer.ts';
import { cropBorder, psnr, sharpness, ssim, type RgbImage } from './image-quality.ts';
import { mkdir } from 'node:fs/promises';
import { benchIllustrations, benchPhotos } from './photos.ts';

const CROP = 512;
const SCALE = 4;

async function rgb(input: Buffer | sharp.Sharp): Promise<RgbImage> {
  const { data, info } = await (Buffer.isBuffer(input) ? sharp(input) : input)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

interface Score {
  psnr: number[];
  ssim: number[];
  sharpness: number[];
  skipped?: string;
}

/** Side-by-side crops of the first photos, where people judge upscalers: by looking. */
const PICTURES = 3;
const CROP_SIDE = 96;
const ZOOM = 2;

/** The most detailed `CROP_SIDE` square of `image` on a coarse grid (highest mean gradient). */
function detailedSquare(image: RgbImage): { left: number; top: number } {
  let best = { left: 0, top: 0, score: -1 };
  for (let top = 0; top + CROP_SIDE <= image.height; top += CROP_SIDE / 2) {
    for (let left = 0; left + CROP_SIDE <= image.width; left += CROP_SIDE / 2) {
      let score = 0;
      for (let y = top + 1; y < top + CROP_SIDE; y++) {
        for (let x = left + 1; x < left + CROP_SIDE; x++) {
          const i = (y * image.width + x) * 3;
          score +=
            Math.abs(image.data[i]! - image.data[i - 3]!) +
            Math.abs(image.data[i]! - image.data[i - image.width * 3]!);
        }
      }
      if (score > best.score) best = { left, top, score };
    }
  }
  return best;
}

/** One PNG: a labelled panel per method (the same square, enlarged ×ZOOM with nearest neighbour), reference last. */
async function sideBySide(
  panels: { name: string; image: RgbImage }[],
  square: { left: number; top: number },
  file: string,
) {
  const side = CROP_SIDE * ZOOM;
  const label = 28;
  const tiles = await Promise.all(
    panels.map(async ({ name, image }, i) => {
      const crop = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
        .extract({ ...square, width: CROP_SIDE, height: CROP_SIDE })
        .resize(side, side, { kernel: 'nearest' })
        .png()
        .toBuffer();
      const text = name.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      const caption = Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${label}"><rect width="100%" height="100%" fill="#fff"/><text x="4" y="19" font-family="sans-serif" font-size="13">${text}</text></svg>`,
      );
      return [
        { input: caption, left: i * (side + 4), top: 0 },
        { input: crop, left: i * (side + 4), top: label },
      ];
    }),
  );
  await sharp({
    create: { width: panels.length * (side + 4) - 4, height: side + label, channels: 3, background: '#fff' },
  })
    .composite(tiles.flat())
    .png({ compressionLevel: 9 })
    .toFile(file);
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * For each photo: the centre 512×512 of the photo scaled to a 512-pixel short side is the reference; it is downscaled ×4 with bicubic (libvips' cubic,
 * antialiased), restored to 512×512 by each model (native ×4, or its default scale plus a lanczos3 outscale) and
 * by lanczos3 alone, and compared with the reference (PSNR over RGB, SSIM over luma, a 4-pixel border excluded).
 */
export async function benchEnhanceQuality({
  set = 'photos',
  modelsDir = path.resolve(import.meta.dirname, '../../models'),
}: { set?: 'photos' | 'illustrations'; modelsDir?: string } = {}): Promise<string> {
  const photos = set === 'photos' ? await benchPhotos() : await benchIllustrations();
  const described =
    set === 'photos'
      ? `${photos.length} photos (Debian mate-backgrounds, nature/)`
      : `${photos.length} drawings (Debian openclipart-png, people/ and animals/, on white)`;
  const enhancer = createEnhancer({ modelsDir, threads: availableParallelism() });
  try {
    const models = await enhancer.models();
    const methods: { name: string; restore: (low: Buffer) => Promise<Buffer> }[] = [
      {
        name: 'lanczos3',
        restore: async (low) =>
          (await enhancer.convert(low, { format: 'png', width: CROP, height: CROP, fit: 'fill' })).data,
      },
      ...models.map((m) => {
        const request: EnhanceRequest = m.scales.includes(SCALE)
          ? { model: m.name, scale: SCALE, output: { format: 'png' } }
          : { model: m.name, scale: m.defaultScale, outscale: SCALE, output: { format: 'png' } };
        return {
          name: m.scales.includes(SCALE) ? `${m.name} ×${SCALE}` : `${m.name} ×${m.defaultScale}+lanczos3`,
          restore: async (low: Buffer) => (await enhancer.enhance(low, request)).data,
        };
      }),
    ];
    const scores = new Map<string, Score>(
      methods.map((m) => [m.name, { psnr: [], ssim: [], sharpness: [] }]),
    );
    const pictureDir = path.resolve(process.env.PIXELFORGE_BENCH_PICTURES ?? 'docs/quality');
    await mkdir(pictureDir, { recursive: true });
    const pictures: string[] = [];
    for (const [index, photo] of photos.entries()) {
      const panels: { name: string; image: RgbImage }[] = [];
      // Wallpapers are soft at full size; shrinking the short side to the crop first gives reference detail
      // at the density of a sharp photo, as super-resolution test sets have.
      const reference = await rgb(
        sharp(await sharp(photo).flatten({ background: '#ffffff' }).png().toBuffer()).resize(CROP, CROP, {
          fit: 'cover',
          position: 'centre',
          kernel: 'lanczos3',
        }),
      );
      const low = await sharp(reference.data, { raw: { width: CROP, height: CROP, channels: 3 } })
        .resize(CROP / SCALE, CROP / SCALE, { kernel: 'cubic' })
        .png()
        .toBuffer();
      const ref = cropBorder(reference, SCALE);
      for (const method of methods) {
        const score = scores.get(method.name)!;
        if (score.skipped) continue;
        try {
          const whole = await rgb(await method.restore(low));
          panels.push({ name: method.name, image: whole });
          const restored = cropBorder(whole, SCALE);
          score.psnr.push(psnr(ref, restored));
          score.ssim.push(ssim(ref, restored));
          score.sharpness.push(sharpness(ref, restored));
        } catch (err) {
          if (!(err instanceof ModelIntegrityError)) throw err;
          score.skipped = err.message;
        }
      }
      if (index < PICTURES) {
        const stem = path.basename(photo).replace(/\.[^.]+$/, '');
        const file = path.join(pictureDir, `${set === 'photos' ? '' : 'drawing-'}${stem}-x${SCALE}.png`);
        await sideBySide(
          [...panels, { name: 'reference', image: reference }],
          detailedSquare(reference),
          file,
        );
        pictures.push(path.relative(process.cwd(), file));
      }
    }
    const base = scores.get('lanczos3')!;
    const lines = [
      `enhance quality: ${described}, short side to ${CROP} and centre ${CROP}×${CROP}, bicubic ↓${SCALE}, restored ↑${SCALE}; mean`,
      `  sharpness: mean luma gradient magnitude ÷ the reference's (1 = as crisp as the reference; blur < 1)`,
      `  ${'method'.padEnd(30)} ${'PSNR dB'.padStart(8)} ${'SSIM'.padStart(7)}  ${'ΔPSNR'.padStart(6)} ${'sharp'.padStart(6)}  photos better than lanczos3 (PSNR)`,
    ];
    for (const [name, score] of scores) {
      if (score.skipped) {
        lines.push(`  ${name.padEnd(30)} skipped: ${score.skipped}`);
        continue;
      }
      const better = score.psnr.filter((p, i) => p > base.psnr[i]!).length;
      const delta = mean(score.psnr) - mean(base.psnr);
      lines.push(
        `  ${name.padEnd(30)} ${mean(score.psnr).toFixed(2).padStart(8)} ${mean(score.ssim).toFixed(4).padStart(7)}  ${`${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`.padStart(6)} ${mean(score.sharpness).toFixed(2).padStart(6)}  ${name === 'lanczos3' ? '(baseline)' : `${better}/${score.psnr.length}`}`,
      );
    }
    lines.push(
      `  side-by-side crops (${CROP_SIDE}×${CROP_SIDE} shown ×${ZOOM}, nearest): ${pictures.join(', ')}`,
    );
    return lines.join('\n');
  } finally {
    await enhancer.close();
  }
}
