// A stand-in model for domain tests: a zero-padded box blur of known radius followed by nearest upscaling.
import type { RunModel } from './receptive-field.ts';

export interface FakeBoxModelOptions {
  /** Receptive-field radius in input pixels. */
  radius: number;
  scale: number;
  /** Called with the input size of every run, so tests can see what ran. */
  onRun?: (width: number, height: number) => void;
}

/**
 * A model whose receptive field is exactly `radius`: each output pixel is the mean of the (2r+1)² input
 * window (zeros beyond the border, like a convolution's padding), squared and rescaled so it is not linear.
 * NCHW, any range. Named fake because it stands in for an ONNX model in tests of the pure domain.
 */
export function fakeBoxModel({ radius, scale, onRun }: FakeBoxModelOptions): RunModel {
  return async (tensor, width, height) => {
    onRun?.(width, height);
    const plane = width * height;
    if (tensor.length !== plane * 3) throw new RangeError(`expected 3×${width}×${height} values`);
    const ow = width * scale;
    const oh = height * scale;
    const out = new Float32Array(ow * oh * 3);
    const area = (2 * radius + 1) ** 2;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let sum = 0;
          for (let dy = -radius; dy <= radius; dy++) {
            const yy = y + dy;
            if (yy < 0 || yy >= height) continue;
            for (let dx = -radius; dx <= radius; dx++) {
              const xx = x + dx;
              if (xx >= 0 && xx < width) sum += tensor[c * plane + yy * width + xx]!;
            }
          }
          const mean = sum / area;
          const value = (mean * mean) / 255;
          for (let sy = 0; sy < scale; sy++) {
            const row = c * ow * oh + (y * scale + sy) * ow + x * scale;
            out.fill(value, row, row + scale);
          }
        }
      }
    }
    return out;
  };
}
