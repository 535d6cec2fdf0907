// Moves pixels between 8-bit interleaved images and model tensors: reading a tile in, writing a tile's centre out.
import type { Rect, Tile } from './tile-plan.ts';

/** An 8-bit interleaved image (RGB, RGBA, …) in row-major order. */
export interface PixelBuffer {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** How a model lays out and scales its three colour channels. */
export interface TensorFormat {
  layout: 'NCHW' | 'NHWC';
  /** The values that 0 and 255 map to. */
  range: readonly [number, number];
}

/**
 * Which image channels a pass reads and writes: `rgb` is the colour, `alpha` runs the alpha channel
 * (the last one) through the model replicated as grey RGB.
 */
export type ChannelPass = 'rgb' | 'alpha';

/** Reads `rect` of `image` into a new float tensor of shape 1×3×h×w (NCHW) or 1×h×w×3 (NHWC). */
export function readTile(
  image: PixelBuffer,
  rect: Rect,
  format: TensorFormat,
  pass: ChannelPass,
): Float32Array {
  const { data, width, channels } = image;
  const [lo, hi] = format.range;
  const k = (hi - lo) / 255;
  const plane = rect.width * rect.height;
  const tensor = new Float32Array(plane * 3);
  const alpha = channels - 1;
  const nchw = format.layout === 'NCHW';
  for (let y = 0; y < rect.height; y++) {
    let src = ((rect.y + y) * width + rect.x) * channels;
    let dst = y * rect.width;
    for (let x = 0; x < rect.width; x++, src += channels, dst++) {
      const r = lo + k * data[src + (pass === 'alpha' ? alpha : 0)]!;
      const g = pass === 'alpha' ? r : lo + k * data[src + 1]!;
      const b = pass === 'alpha' ? r : lo + k * data[src + 2]!;
      if (nchw) {
        tensor[dst] = r;
        tensor[plane + dst] = g;
        tensor[2 * plane + dst] = b;
      } else {
        tensor[3 * dst] = r;
        tensor[3 * dst + 1] = g;
        tensor[3 * dst + 2] = b;
      }
    }
  }
  return tensor;
}

/**
 * Writes the part of a tile's model output that belongs to `tile.core` into `output` (the whole image at the
 * model's scale), converting to 8 bits. Every output pixel is written by exactly one tile, so the one rounding
 * here is the same rounding an untiled run gets: nothing is accumulated, and an 8-bit output loses nothing.
 * In the `alpha` pass the mean of the three model channels becomes the alpha channel.
 */
export function writeTile(
  output: PixelBuffer,
  tensor: Float32Array,
  tile: Tile,
  scale: number,
  format: TensorFormat,
  pass: ChannelPass,
): void {
  const { core, padded } = tile;
  const tw = padded.width * scale;
  const th = padded.height * scale;
  if (tensor.length !== tw * th * 3) {
    throw new RangeError(
      `model output has ${tensor.length} values, expected 3×${tw}×${th} for a ×${scale} model`,
    );
  }
  // Uint8ClampedArray rounds to nearest and clamps on assignment: the 8-bit conversion at no cost.
  const out = new Uint8ClampedArray(output.data.buffer, output.data.byteOffset, output.data.byteLength);
  const { width: ow, channels: oc } = output;
  const [lo, hi] = format.range;
  const k = 255 / (hi - lo);
  const identity = lo === 0 && k === 1;
  const plane = tw * th;
  const nchw = format.layout === 'NCHW';
  const cs = nchw ? plane : 1;
  const ps = nchw ? 1 : 3;
  const ox = (core.x - padded.x) * scale;
  const oy = (core.y - padded.y) * scale;
  const cw = core.width * scale;
  const ch = core.height * scale;
  for (let y = 0; y < ch; y++) {
    let src = ((oy + y) * tw + ox) * ps;
    let dst = ((core.y * scale + y) * ow + core.x * scale) * oc;
    for (let x = 0; x < cw; x++, src += ps, dst += oc) {
      let r = tensor[src]!;
      let g = tensor[src + cs]!;
      let b = tensor[src + 2 * cs]!;
      if (!identity) {
        r = (r - lo) * k;
        g = (g - lo) * k;
        b = (b - lo) * k;
      }
      if (pass === 'alpha') {
        out[dst + oc - 1] = (r + g + b) / 3;
      } else {
        out[dst] = r;
        out[dst + 1] = g;
        out[dst + 2] = b;
      }
    }
  }
}
