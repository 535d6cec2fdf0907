// Images with known pixels for codec and engine tests, made with sharp so that no fixture files are needed.
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A deterministic pseudo-random RGB(A) raw image. */
export function noiseRaw(width: number, height: number, channels: 3 | 4, seed = 1): Buffer {
  let s = seed >>> 0;
  const data = Buffer.alloc(width * height * channels);
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return data;
}

/** A smooth photo-like RGB image (gradients plus mild noise), closer to real input than pure noise. */
export async function photoLikePng(width: number, height: number, channels: 3 | 4 = 3): Promise<Buffer> {
  const noise = noiseRaw(width, height, channels, 99);
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const wave = Math.sin(x / 5) * Math.cos(y / 7);
      data[i] = 128 + 90 * wave + (noise[i]! >> 4);
      data[i + 1] = (255 * x) / Math.max(1, width - 1);
      data[i + 2] = (255 * y) / Math.max(1, height - 1);
      if (channels === 4) data[i + 3] = x < width / 2 ? 255 : Math.round((255 * y) / Math.max(1, height - 1));
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

/** A PNG header that claims `width`×`height` pixels and has no pixel data: cheap to read, fatal to decode. */
export function pngBombHeader(width: number, height: number): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    // A first row's worth of data at most: decoders need an IDAT to accept the header.
    chunk('IDAT', deflateSync(Buffer.alloc(16))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** 40×20, left half red and right half blue, stored with EXIF orientation 6 (displayed rotated 90° clockwise). */
export async function orientedPng(): Promise<Buffer> {
  const data = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 40; x++) data[(y * 40 + x) * 3 + (x < 20 ? 0 : 2)] = 255;
  }
  return sharp(data, { raw: { width: 40, height: 20, channels: 3 } })
    .withMetadata({ orientation: 6 })
    .png()
    .toBuffer();
}

/** The decoded pixels of an encoded image, with its size and channels. */
export async function rawOf(encoded: Buffer) {
  return sharp(encoded).raw().toBuffer({ resolveWithObject: true });
}

/** The largest per-byte difference of two equally long pixel buffers. */
export function maxDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`buffers differ in length: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
