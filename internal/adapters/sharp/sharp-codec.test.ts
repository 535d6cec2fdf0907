import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { CorruptImageError, TooManyPixelsError } from '../../errors/errors.ts';
import { createSharpCodec } from './sharp-codec.ts';
import { noiseRaw, orientedPng, photoLikePng, pngBombHeader } from './test-images.ts';

const codec = createSharpCodec();
const limits = { maxPixels: 1_000_000 };
const at = (data: Uint8Array, width: number, channels: number, x: number, y: number) =>
  Array.from(data.subarray((y * width + x) * channels, (y * width + x + 1) * channels));

describe('sharp codec: decode', () => {
  it('keeps alpha as a fourth channel', async () => {
    const image = await codec.decode(await photoLikePng(16, 12, 4), limits);
    assert.equal(image.channels, 4);
    assert.equal(image.data.length, 16 * 12 * 4);
  });

  it('turns 8-bit grey into RGB', async () => {
    const grey = await sharp(Buffer.alloc(6 * 5, 77), { raw: { width: 6, height: 5, channels: 1 } })
      .png()
      .toBuffer();
    const image = await codec.decode(grey, limits);
    assert.equal(image.channels, 3);
    assert.deepEqual(at(image.data, 6, 3, 2, 2), [77, 77, 77]);
  });

  it('turns 16-bit RGB into 8-bit', async () => {
    const deep = await sharp(new Uint16Array(4 * 4 * 3).fill(0x8080), {
      raw: { width: 4, height: 4, channels: 3 },
    })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    assert.equal((await sharp(deep).metadata()).depth, 'ushort');
    const image = await codec.decode(deep, limits);
    assert.equal(image.data.length, 4 * 4 * 3);
    assert.deepEqual(at(image.data, 4, 3, 1, 1), [128, 128, 128]);
  });

  it('applies the EXIF orientation', async () => {
    const image = await codec.decode(await orientedPng(), limits);
    assert.deepEqual([image.width, image.height], [20, 40]);
    assert.deepEqual(at(image.data, 20, 3, 10, 5), [255, 0, 0]); // the left half is now on top
    assert.deepEqual(at(image.data, 20, 3, 10, 35), [0, 0, 255]);
  });

  it('converts an embedded colour profile to sRGB', async () => {
    const p3 = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#ff0000' } })
      .withIccProfile('p3')
      .png()
      .toBuffer();
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    assert.notDeepEqual(at(stored, 8, 3, 0, 0), [255, 0, 0], 'the file holds P3 values');
    const image = await codec.decode(p3, limits);
    const [r, g, b] = at(image.data, 8, 3, 4, 4);
    assert.ok(r! >= 253 && g! <= 2 && b! <= 2, `sRGB red, got ${[r, g, b]}`);
  });

  it('refuses too many pixels from the header, before decoding anything', async () => {
    await assert.rejects(codec.decode(pngBombHeader(50_000, 50_000), limits), (err: unknown) => {
      assert.ok(err instanceof TooManyPixelsError);
      assert.deepEqual(err.details, { width: 50_000, height: 50_000, limitPixels: 1_000_000 });
      return true;
    });
    // The same header within the limit gets decoded, and fails for lack of data: the check came first.
    await assert.rejects(codec.decode(pngBombHeader(500, 500), limits), CorruptImageError);
  });

  it('reports truncated and garbage input as CorruptImageError', async () => {
    const png = await sharp(noiseRaw(64, 64, 3), { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer();
    const jpeg = await sharp(png).jpeg().toBuffer();
    for (const bad of [
      png.subarray(0, png.length / 2),
      jpeg.subarray(0, jpeg.length / 2),
      Buffer.from('not an image'),
    ]) {
      await assert.rejects(codec.decode(bad, limits), CorruptImageError);
    }
  });
});

describe('sharp codec: encode and convert', () => {
  const rgba = { data: noiseRaw(10, 8, 4), width: 10, height: 8, channels: 4 };

  for (const format of ['png', 'jpeg', 'webp', 'avif'] as const) {
    it(`encodes ${format}, keeping alpha where the format has it`, async () => {
      const { data, info } = await codec.encode(rgba, { format, quality: 80 });
      const meta = await sharp(data).metadata();
      assert.equal(meta.format, format === 'avif' ? 'heif' : format);
      assert.deepEqual([info.width, info.height, info.size], [10, 8, data.length]);
      assert.equal(meta.hasAlpha, format !== 'jpeg');
    });
  }

  it('resizes with lanczos3 to a box on encode', async () => {
    const { info } = await codec.encode(rgba, {
      format: 'png',
      quality: 90,
      width: 25,
      height: 17,
      fit: 'fill',
    });
    assert.deepEqual([info.width, info.height], [25, 17]);
  });

  it('resizes a one-channel mask and keeps it one channel', async () => {
    const mask = { data: new Uint8Array(6 * 4).fill(200), width: 6, height: 4, channels: 1 };
    const resized = await codec.resize(mask, 12, 8);
    assert.deepEqual([resized.width, resized.height, resized.channels], [12, 8, 1]);
    assert.ok(resized.data.every((v) => v === 200));
  });

  it('converts to WebP with quality and a width, keeping the aspect ratio and orientation', async () => {
    const input = await orientedPng();
    const { data, info } = await codec.convert(input, {
      format: 'webp',
      quality: 75,
      width: 10,
      maxPixels: 10_000,
    });
    assert.deepEqual([info.width, info.height, info.format], [10, 20, 'webp']);
    assert.equal((await sharp(data).metadata()).format, 'webp');
    const small = await codec.convert(input, { format: 'webp', quality: 30, maxPixels: 10_000 });
    assert.deepEqual([small.info.width, small.info.height], [20, 40]);
  });

  it('checks the pixel limit and corruption on convert too', async () => {
    await assert.rejects(
      codec.convert(pngBombHeader(5000, 5000), { format: 'webp', quality: 90, maxPixels: 1000 }),
      TooManyPixelsError,
    );
    await assert.rejects(
      codec.convert(Buffer.from('nope'), { format: 'webp', quality: 90, maxPixels: 1000 }),
      CorruptImageError,
    );
  });
});
