// Full-reference image quality: PSNR over RGB and SSIM over luma, as super-resolution papers report them.

/** An 8-bit interleaved RGB image. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The image without a `border`-pixel frame: upscalers are not judged on edges they cannot see past. */
export function cropBorder(image: RgbImage, border: number): RgbImage {
  const width = image.width - 2 * border;
  const height = image.height - 2 * border;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y + border) * image.width + border) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data, width, height };
}

function sameSize(a: RgbImage, b: RgbImage): void {
  if (a.width !== b.width || a.height !== b.height || a.data.length !== b.data.length) {
    throw new RangeError(`sizes differ: ${a.width}×${a.height} and ${b.width}×${b.height}`);
  }
}

/** Peak signal-to-noise ratio in dB over all RGB samples (Infinity for identical images). */
export function psnr(reference: RgbImage, test: RgbImage): number {
  sameSize(reference, test);
  let sum = 0;
  for (let i = 0; i < reference.data.length; i++) {
    const d = reference.data[i]! - test.data[i]!;
    sum += d * d;
  }
  const mse = sum / reference.data.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** BT.601 luma in 0..255, the channel SSIM is usually computed on. */
function luma({ data, width, height }: RgbImage): Float64Array {
  const y = new Float64Array(width * height);
  for (let i = 0; i < y.length; i++) {
    y[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
  }
  return y;
}

/** Separable Gaussian blur (11 taps, σ 1.5) keeping only positions where the whole window fits ("valid"). */
function blur(
  plane: Float64Array,
  width: number,
  height: number,
): { data: Float64Array; width: number; height: number } {
  const radius = 5;
  const weights = Array.from({ length: 2 * radius + 1 }, (_, i) =>
    Math.exp(-((i - radius) ** 2) / (2 * 1.5 ** 2)),
  );
  const total = weights.reduce((a, b) => a + b, 0);
  const kernel = weights.map((w) => w / total);
  const w1 = width - 2 * radius;
  const h1 = height - 2 * radius;
  const rows = new Float64Array(w1 * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < w1; x++) {
      let s = 0;
      for (let k = 0; k < kernel.length; k++) s += kernel[k]! * plane[y * width + x + k]!;
      rows[y * w1 + x] = s;
    }
  }
  const out = new Float64Array(w1 * h1);
  for (let y = 0; y < h1; y++) {
    for (let x = 0; x < w1; x++) {
      let s = 0;
      for (let k = 0; k < kernel.length; k++) s += kernel[k]! * rows[(y + k) * w1 + x]!;
      out[y * w1 + x] = s;
    }
  }
  return { data: out, width: w1, height: h1 };
}

/** Mean structural similarity (Wang et al. 2004: Gaussian window 11/1.5, K1 0.01, K2 0.03) on luma. */
export function ssim(reference: RgbImage, test: RgbImage): number {
  sameSize(reference, test);
  const { width, height } = reference;
  const x = luma(reference);
  const y = luma(test);
  const product = (a: Float64Array, b: Float64Array) => a.map((v, i) => v * b[i]!);
  const [mx, my, xx, yy, xy] = [x, y, product(x, x), product(y, y), product(x, y)].map(
    (plane) => blur(plane, width, height).data,
  );
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let sum = 0;
  for (let i = 0; i < mx!.length; i++) {
    const ux = mx![i]!;
    const uy = my![i]!;
    const vx = xx![i]! - ux * ux;
    const vy = yy![i]! - uy * uy;
    const cov = xy![i]! - ux * uy;
    sum += ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  return sum / mx!.length;
}

/** Mean gradient magnitude of the luma (central differences, interior pixels): how much edge there is. */
function meanGradient(image: RgbImage): number {
  const { width, height } = image;
  const y = luma(image);
  let sum = 0;
  for (let row = 1; row < height - 1; row++) {
    for (let col = 1; col < width - 1; col++) {
      const i = row * width + col;
      const gx = (y[i + 1]! - y[i - 1]!) / 2;
      const gy = (y[i + width]! - y[i - width]!) / 2;
      sum += Math.hypot(gx, gy);
    }
  }
  return sum / ((width - 2) * (height - 2));
}

/**
 * Sharpness against the reference: the ratio of mean gradient magnitudes, 1 when the result has as much
 * edge as the reference, below 1 when it is blurred (lanczos3 restores about 0.6), above 1 when it
 * invents edges. PSNR punishes a crisp edge one pixel off more than a blur, so GAN upscalers need this too.
 */
export function sharpness(reference: RgbImage, test: RgbImage): number {
  sameSize(reference, test);
  return meanGradient(test) / meanGradient(reference);
}
