// Measures how far a model looks around each pixel, which is the overlap tiles need for a seam-free crop.
import { readTile } from './tile-pixels.ts';
import type { PixelBuffer, TensorFormat } from './tile-pixels.ts';

/**
 * Runs the model on one tensor of the given input size; the output is `scale` times larger. The tensor may be
 * handed to another thread (do not reuse it). An aborted `signal` rejects at once with CancelledError.
 */
export type RunModel = (
  tensor: Float32Array,
  width: number,
  height: number,
  signal?: AbortSignal,
) => Promise<Float32Array>;

export interface ReceptiveField {
  /** Input pixels on each side that can change an output pixel. */
  radius: number;
  /** False when the field is wider than the measurement allowed; `radius` is then the cap. */
  exact: boolean;
}

export interface MeasureOptions {
  run: RunModel;
  scale: number;
  /** The model's input layout and range. */
  input: TensorFormat;
  /** The model's output layout and range. */
  output: TensorFormat;
  /** Largest radius worth measuring: larger ones cost more than the overlap they would buy. */
  maxRadius?: number;
}

/**
 * Measures the receptive-field radius from the outside, so it works for any graph: run the model on a random
 * image, then again with everything on one side of a centre line replaced, and see how far from the line
 * the output changed. Replacing a half-plane (not a single pixel) is exactly what a tile border does to the
 * pixels near it. The image grows until the change no longer reaches the far border.
 */
export async function measureReceptiveField({
  run,
  scale,
  input,
  output,
  maxRadius = 64,
}: MeasureOptions): Promise<ReceptiveField> {
  for (let size = 33; ; size = size * 2 - 1) {
    const centre = (size - 1) / 2;
    const base = randomImage(size, 1);
    const replaced = randomImage(size, 2);
    const baseOut = await run(readTile(base, whole(size), input, 'rgb'), size, size);
    let radius = 0;
    for (const side of ['left', 'right', 'top', 'bottom'] as const) {
      const mixed = mixHalves(base, replaced, side, centre);
      const mixedOut = await run(readTile(mixed, whole(size), input, 'rgb'), size, size);
      radius = Math.max(radius, reach(baseOut, mixedOut, size, scale, output, side, centre));
    }
    // A radius of centre + 1 means the change reached the far border: the field may be wider still.
    if (radius <= centre) return { radius, exact: true };
    if (centre >= maxRadius) return { radius: maxRadius, exact: false };
  }
}

function whole(size: number) {
  return { x: 0, y: 0, width: size, height: size };
}

/** A deterministic noise image (mulberry32), so measurements repeat. */
function randomImage(size: number, seed: number): PixelBuffer {
  const data = new Uint8Array(size * size * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    data[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return { data, width: size, height: size, channels: 3 };
}

type Side = 'left' | 'right' | 'top' | 'bottom';

/** `base` with the half on `side` of the centre line (the line itself excluded) taken from `other`. */
function mixHalves(base: PixelBuffer, other: PixelBuffer, side: Side, centre: number): PixelBuffer {
  const data = base.data.slice();
  for (let y = 0; y < base.height; y++) {
    for (let x = 0; x < base.width; x++) {
      const coord = side === 'left' || side === 'right' ? x : y;
      const inHalf = side === 'left' || side === 'top' ? coord < centre : coord > centre;
      if (!inHalf) continue;
      const i = (y * base.width + x) * 3;
      data.set(other.data.subarray(i, i + 3), i);
    }
  }
  return { ...base, data };
}

/**
 * How many input pixels into the untouched half the change reached. Changes below a millionth of the output
 * range (0.00026 of a level for 0..255) are ignored: deep models have a theoretical field far wider than the
 * distance at which they still matter (esrgan-thick: > 64 pixels theoretical, 16 effective), and an influence
 * that small can only flip a rounding, which keeps tiled output within one level of untiled output.
 */
function reach(
  a: Float32Array,
  b: Float32Array,
  size: number,
  scale: number,
  format: TensorFormat,
  side: Side,
  centre: number,
): number {
  const edge = size * scale;
  if (a.length !== edge * edge * 3 || b.length !== a.length) {
    throw new RangeError(
      `model output has ${b.length} values, expected 3×${edge}×${edge} for a ×${scale} model`,
    );
  }
  const tolerance = 1e-6 * Math.abs(format.range[1] - format.range[0]);
  const nchw = format.layout === 'NCHW';
  let radius = 0;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < edge; y++) {
      for (let x = 0; x < edge; x++) {
        const i = nchw ? (c * edge + y) * edge + x : (y * edge + x) * 3 + c;
        if (Math.abs(a[i]! - b[i]!) <= tolerance) continue;
        const ix = Math.floor(x / scale);
        const iy = Math.floor(y / scale);
        const distance =
          side === 'left'
            ? ix - centre
            : side === 'right'
              ? centre - ix
              : side === 'top'
                ? iy - centre
                : centre - iy;
        radius = Math.max(radius, distance + 1);
      }
    }
  }
  return radius;
}
