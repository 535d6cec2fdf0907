// PSNR and SSIM on images with known answers, so the quality benchmark's numbers mean what they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropBorder, psnr, sharpness, ssim, type RgbImage } from './image-quality.ts';

function image(width: number, height: number, pixel: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.fill(pixel(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { data, width, height };
}

const texture = (x: number, y: number) => (x * 37 + y * 91 + ((x * y) % 13) * 11) & 255;

test('identical images: PSNR is infinite and SSIM is 1', () => {
  const a = image(32, 24, texture);
  assert.equal(psnr(a, a), Infinity);
  assert.ok(Math.abs(ssim(a, a) - 1) < 1e-12);
});

test('PSNR of a uniform error of 16 levels is 20·log10(255/16)', () => {
  const a = image(16, 16, () => 100);
  const b = image(16, 16, () => 116);
  assert.ok(Math.abs(psnr(a, b) - 20 * Math.log10(255 / 16)) < 1e-9);
});

test('SSIM falls as structure is lost, and a brightness shift costs less than blurring', () => {
  const a = image(48, 48, texture);
  const shifted = image(48, 48, (x, y) => Math.min(255, texture(x, y) + 10));
  const flat = image(48, 48, () => 128);
  assert.ok(ssim(a, shifted) > ssim(a, flat));
  assert.ok(ssim(a, flat) < 0.1);
});

test('cropBorder removes the frame and keeps the inside in place', () => {
  const a = image(10, 8, (x, y) => x + 10 * y);
  const inner = cropBorder(a, 2);
  assert.deepEqual([inner.width, inner.height], [6, 4]);
  assert.equal(inner.data[0], 2 + 10 * 2);
  assert.throws(() => psnr(a, inner), RangeError);
});

test('sharpness is 1 for the reference itself, below 1 when blurred, and follows contrast', () => {
  const sharp = image(32, 32, texture);
  assert.equal(sharpness(sharp, sharp), 1);
  const blurred = image(
    32,
    32,
    (x, y) => (texture(x, y) + texture(x + 1, y) + texture(x, y + 1) + texture(x + 1, y + 1)) / 4,
  );
  assert.ok(sharpness(sharp, blurred) < 0.8, `blurred: ${sharpness(sharp, blurred)}`);
  const brighter = image(32, 32, (x, y) => Math.min(255, texture(x, y) * 0.9 + 20));
  assert.ok(Math.abs(sharpness(sharp, brighter) - 0.9) < 0.02, `contrast 0.9: ${sharpness(sharp, brighter)}`);
  assert.throws(() => sharpness(sharp, image(16, 32, texture)), /sizes differ/);
});
