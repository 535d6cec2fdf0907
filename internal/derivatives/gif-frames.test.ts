// countGifFrames on GIFs written by libvips: one frame, two frames, and damaged files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { countGifFrames } from './gif-frames.ts';
import { skipReason } from './webp-derivative.ts';

const square = (colour: string) =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: colour } })
    .png()
    .toBuffer();

test('a still GIF has one frame and gets a derivative', async () => {
  const still = await sharp(await square('#f00'))
    .gif()
    .toBuffer();
  assert.equal(countGifFrames(still), 1);
  assert.equal(skipReason('image/gif', still), null);
});

test('an animated GIF has several frames and is skipped, with the reason', async () => {
  const frames = await Promise.all(['#f00', '#0f0', '#00f'].map(square));
  const animated = await sharp(frames, { join: { animated: true } })
    .gif()
    .toBuffer();
  assert.equal(countGifFrames(animated), 3);
  assert.equal(countGifFrames(animated, 2), 2);
  assert.match(skipReason('image/gif', animated) ?? '', /animated GIF/);
});

test('damaged or foreign bytes count only the frames before the damage', async () => {
  assert.equal(countGifFrames(Buffer.from('GIF89a')), 0);
  assert.equal(countGifFrames(Buffer.alloc(64, 0xff)), 0);
  const still = await sharp(await square('#f00'))
    .gif()
    .toBuffer();
  assert.equal(countGifFrames(still.subarray(0, still.length - 5)), 1);
});

test('WebP uploads are their own derivative; other types are converted', () => {
  assert.match(skipReason('image/webp') ?? '', /already WebP/);
  assert.equal(skipReason('image/jpeg'), null);
  assert.equal(skipReason('image/png'), null);
});
