// Helpers for tests and benchmarks that fill a stack with photo-sized images and weigh its data directory.
import { randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** A JPEG of noise (incompressible, like a photo's worth of detail) of about `megabytes` MB. */
export async function noiseJpeg(megabytes: number): Promise<Buffer> {
  const side = Math.round(Math.sqrt((megabytes * 1e6) / 1.4));
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
    .toBuffer();
}

/** Bytes of every file under `dir`. */
export async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
