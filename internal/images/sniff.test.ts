import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { detectImageType, readDimensions, trailerCheck } from './sniff.ts';
import type { ImageContentType } from './image.ts';

const make = (format: 'jpeg' | 'png' | 'gif' | 'webp' | 'avif') =>
  sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a6' } })
    .toFormat(format)
    .toBuffer();

const verdictOf = (type: ImageContentType, bytes: Buffer, chunk = 7) => {
  const check = trailerCheck(type);
  for (let i = 0; i < bytes.length; i += chunk) check.update(bytes.subarray(i, i + chunk));
  return check.verdict();
};

for (const [format, type] of [
  ['jpeg', 'image/jpeg'],
  ['png', 'image/png'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['avif', 'image/avif'],
] as const) {
  test(`${format}: type from magic bytes, dimensions from the header, truncation detected`, async () => {
    const bytes = await make(format);
    assert.equal(detectImageType(bytes), type);
    assert.deepEqual(readDimensions(bytes), { kind: 'ok', width: 40, height: 30 });
    assert.equal(verdictOf(type, bytes), null);
    assert.equal(verdictOf(type, bytes, 1), null);
    assert.notEqual(verdictOf(type, bytes.subarray(0, Math.floor(bytes.length * 0.7))), null);
  });
}

test('text is no image, whatever it is called', () => {
  assert.equal(detectImageType(Buffer.from('hello, this is not a JPEG at all')), null);
  assert.equal(detectImageType(Buffer.alloc(0)), null);
});

test('a JPEG header cut before its frame asks for more bytes', async () => {
  const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#000' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toBuffer();
  assert.deepEqual(readDimensions(bytes.subarray(0, 20)), { kind: 'need-more' });
  // Orientation 6 is a quarter turn: the image is displayed 30 wide and 40 high.
  assert.deepEqual(readDimensions(bytes), { kind: 'ok', width: 30, height: 40 });
});

test('a PNG declaring 30000×30000 is measured from its first bytes', async () => {
  const bytes = await make('png');
  const header = Buffer.from(bytes.subarray(0, 33));
  header.writeUInt32BE(30000, 16);
  header.writeUInt32BE(30000, 20);
  assert.deepEqual(readDimensions(header), { kind: 'ok', width: 30000, height: 30000 });
});
