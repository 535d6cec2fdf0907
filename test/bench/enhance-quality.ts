// Quality of every installed model against lanczos3 on real photographs: downscale ×4, restore, compare.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';
import { ModelIntegrityError } from '../../internal/enhance/enhance-errors.ts';
import type { EnhanceRequest } from '../../internal/ports/enhancer.ts';
import { cropBorder, psnr, ssim, type RgbImage } from './image-quality.ts';
import { benchPhotos } from './photos.ts';

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
  skipped?: string;
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * For each photo: the centre 512×512 of the photo scaled to a 512-pixel short side is the reference; it is downscaled ×4 with bicubic (libvips' cubic,
 * antialiased), restored to 512×512 by each model (native ×4, or its default scale plus a lanczos3 outscale) and
 * by lanczos3 alone, and compared with the reference (PSNR over RGB, SSIM over luma, a 4-pixel border excluded).
 */
export async function benchEnhanceQuality(
  modelsDir = path.resolve(import.meta.dirname, '../../models'),
): Promise<string> {
  const photos = await benchPhotos();
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
    const scores = new Map<string, Score>(methods.map((m) => [m.name, { psnr: [], ssim: [] }]));
    for (const photo of photos) {
      // Wallpapers are soft at full size; shrinking the short side to the crop first gives reference detail
      // at the density of a sharp photo, as super-resolution test sets have.
      const reference = await rgb(
        sharp(photo).resize(CROP, CROP, { fit: 'cover', position: 'centre', kernel: 'lanczos3' }),
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
          const restored = cropBorder(await rgb(await method.restore(low)), SCALE);
          score.psnr.push(psnr(ref, restored));
          score.ssim.push(ssim(ref, restored));
        } catch (err) {
          if (!(err instanceof ModelIntegrityError)) throw err;
          score.skipped = err.message;
        }
      }
    }
    const base = scores.get('lanczos3')!;
    const lines = [
      `enhance quality: ${photos.length} photos (Debian mate-backgrounds, nature/), short side to ${CROP} and centre ${CROP}×${CROP}, bicubic ↓${SCALE}, restored ↑${SCALE}; mean`,
      `  ${'method'.padEnd(30)} ${'PSNR dB'.padStart(8)} ${'SSIM'.padStart(7)}  ${'ΔPSNR'.padStart(6)}  photos better than lanczos3 (PSNR)`,
    ];
    for (const [name, score] of scores) {
      if (score.skipped) {
        lines.push(`  ${name.padEnd(30)} skipped: ${score.skipped}`);
        continue;
      }
      const better = score.psnr.filter((p, i) => p > base.psnr[i]!).length;
      const delta = mean(score.psnr) - mean(base.psnr);
      lines.push(
        `  ${name.padEnd(30)} ${mean(score.psnr).toFixed(2).padStart(8)} ${mean(score.ssim).toFixed(4).padStart(7)}  ${`${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`.padStart(6)}  ${name === 'lanczos3' ? '(baseline)' : `${better}/${score.psnr.length}`}`,
      );
    }
    return lines.join('\n');
  } finally {
    await enhancer.close();
  }
}
