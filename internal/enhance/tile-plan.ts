// Splits an image into tiles whose padded windows overlap, so that each tile's centre can be cropped seam-free.

/** A rectangle in pixels, `x`/`y` being its top-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One unit of inference: the model runs on `padded`, and only `core` of its output is kept. */
export interface Tile {
  index: number;
  /** The pixels this tile is responsible for; the cores of a plan partition the image. */
  core: Rect;
  /** `core` grown by the plan's pad on each side, clipped to the image. */
  padded: Rect;
}

export interface TilePlan {
  width: number;
  height: number;
  /** The largest core edge; cores are balanced, so some are smaller. */
  tileSize: number;
  pad: number;
  columns: number;
  rows: number;
  /** Row-major. */
  tiles: Tile[];
}

export interface TilePlanOptions {
  width: number;
  height: number;
  /** Largest core edge in input pixels. */
  tileSize: number;
  /** Context added on each side of a core; exact when ≥ the model's receptive-field radius. */
  pad: number;
}

/**
 * Plans tiles covering a `width`×`height` image. Cores are split as evenly as possible (a 100-pixel edge
 * with tile 64 gives 50 + 50, not 64 + 36), so no tile is a thin sliver that wastes its padding.
 * Padded windows are clipped at the image border rather than shifted: a window edge then coincides with
 * the image edge, and the model sees the same border it sees when run on the whole image.
 */
export function planTiles({ width, height, tileSize, pad }: TilePlanOptions): TilePlan {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
    ['tileSize', tileSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(pad) || pad < 0)
    throw new RangeError(`pad must be a non-negative integer, got ${pad}`);

  const xs = splitAxis(width, tileSize);
  const ys = splitAxis(height, tileSize);
  const tiles: Tile[] = [];
  for (const [y, h] of ys) {
    for (const [x, w] of xs) {
      const px = Math.max(0, x - pad);
      const py = Math.max(0, y - pad);
      tiles.push({
        index: tiles.length,
        core: { x, y, width: w, height: h },
        padded: {
          x: px,
          y: py,
          width: Math.min(width, x + w + pad) - px,
          height: Math.min(height, y + h + pad) - py,
        },
      });
    }
  }
  const edge = (spans: [number, number][]) => Math.max(...spans.map(([, n]) => n));
  return {
    width,
    height,
    tileSize: Math.max(edge(xs), edge(ys)),
    pad,
    columns: xs.length,
    rows: ys.length,
    tiles,
  };
}

/** `[start, length]` spans that partition `0..length` into ⌈length / max⌉ near-equal parts. */
function splitAxis(length: number, max: number): [number, number][] {
  const count = Math.ceil(length / max);
  const spans: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const start = Math.round((i * length) / count);
    const end = Math.round(((i + 1) * length) / count);
    spans.push([start, end - start]);
  }
  return spans;
}
