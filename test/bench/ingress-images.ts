// The JPEGs the ingress benchmarks upload: a ~200 KB photo-like one, made per run, and a ~20 MB one, made
// once and cached under .cache/ (it takes seconds to encode).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { noiseRaw } from '../../internal/adapters/sharp/test-images.ts';

const CACHE = path.resolve(import.meta.dirname, '../../.cache');

/** A photo-like RGB raster: smooth gradients and waves, plus noise of amplitude `grain` (0–255). */
function photoLikeRaw(width: number, height: number, grain: number): Buffer {
  const noise = noiseRaw(width, height, 3, 7);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const wave = Math.sin(x / 23) * Math.cos(y / 31) + 0.5 * Math.sin((x + y) / 9);
      const n = (k: number) => ((noise[i + k]! - 128) * grain) / 255;
      data[i] = 120 + 70 * wave + n(0);
      data[i + 1] = (200 * x) / width + 30 * wave + n(1);
      data[i + 2] = (220 * y) / height + n(2);
    }
  }
  return data;
}

/** Encodes at the quality (searched, 40–100) whose size is closest to `targetBytes`. */
async function jpegNear(width: number, height: number, grain: number, targetBytes: number): Promise<Buffer> {
  const raw = photoLikeRaw(width, height, grain);
  const encode = (quality: number) =>
    sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality, chromaSubsampling: '4:4:4' })
      .toBuffer();
  let [low, high] = [40, 100];
  let best = await encode(high);
  while (high - low > 1) {
    const mid = Math.round((low + high) / 2);
    const jpeg = await encode(mid);
    if (Math.abs(jpeg.length - targetBytes) < Math.abs(best.length - targetBytes)) best = jpeg;
    if (jpeg.length > targetBytes) high = mid;
    else low = mid;
  }
  return best;
}

/** A photo-like 1280×960 JPEG of about 200 KB. */
export function jpeg200k(): Promise<Buffer> {
  return jpegNear(1280, 960, 32, 200_000);
}

/**
 * A photo-like 6000×4500 (27 MP) JPEG of about 20 MB: under the default limits (40 MP, 25 MiB). Returns its
 * path in the cache, making it first when absent.
 */
export async function jpeg20mFile(): Promise<string> {
  const file = path.join(CACHE, 'bench-ingress-20mb.jpg');
  if (existsSync(file)) return file;
  await mkdir(CACHE, { recursive: true });
  const jpeg = await jpegNear(6000, 4500, 255, 20_000_000);
  await writeFile(`${file}.tmp`, jpeg);
  await rename(`${file}.tmp`, file);
  return file;
}

/** Size and dimensions of a JPEG, for the tables. */
export async function describeJpeg(jpeg: Buffer | string): Promise<string> {
  const bytes = typeof jpeg === 'string' ? await readFile(jpeg) : jpeg;
  const { width, height } = await sharp(bytes).metadata();
  return `${width}×${height} JPEG, ${(bytes.length / 1000).toFixed(0)} kB`;
}
