// Chooses a tile size from a memory budget, so that one tile's working set — not the image — bounds memory.

/** Default working-set budget for one tile's inference. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 512 * 1024 * 1024;

/** Cores larger than this gain little speed but make progress coarse and cancellation slow. */
export const MAX_AUTO_TILE = 512;
/** Below this the padding dominates the work. */
export const MIN_AUTO_TILE = 32;

/**
 * How much more than the planned peak (a manifest's `activationBytesPerInputPixel`) onnxruntime's process
 * really grows by: its arena rounds allocations up and the blocked layout pads channels. Measured peak RSS
 * above an idle session for one 128–384 px tile at ×4 was 1.3–1.9× the plan for esrgan-slim, 1.3–2.0× for
 * esrgan-thick and 1.2× for esrgan-medium.
 */
export const ACTIVATION_HEADROOM = 2;

/** Activation bytes per input pixel when a manifest does not record them: esrgan-medium's measured 6.3 KB, rounded up. */
const DEFAULT_ACTIVATION_BYTES = 7 * 1024;

/**
 * Bytes of working memory one padded input pixel costs during inference: the float input (3 channels), the
 * float output (3·scale² channels) and the model's intermediate activations, from the manifest's planned
 * peak with headroom, or a conservative default.
 */
export function estimateBytesPerInputPixel(scale: number, plannedActivationBytes?: number): number {
  const activations =
    plannedActivationBytes === undefined
      ? DEFAULT_ACTIVATION_BYTES
      : ACTIVATION_HEADROOM * plannedActivationBytes;
  return 4 * 3 + 4 * 3 * scale * scale + activations;
}

export interface TileSizeOptions {
  width: number;
  height: number;
  /** Context added on each side of a core, in input pixels. */
  pad: number;
  budgetBytes: number;
  bytesPerInputPixel: number;
}

/**
 * The largest core edge whose padded tile fits the budget, between MIN_AUTO_TILE and MAX_AUTO_TILE, and
 * never larger than the image (one tile then covers it). A budget too small even for MIN_AUTO_TILE still
 * gets MIN_AUTO_TILE: the budget steers the choice, it cannot make inference free.
 */
export function chooseTileSize({
  width,
  height,
  pad,
  budgetBytes,
  bytesPerInputPixel,
}: TileSizeOptions): number {
  const longest = Math.max(width, height);
  // One tile needs no padding at all (its window is the image), so a whole image that fits is never split.
  if (longest <= MAX_AUTO_TILE && width * height * bytesPerInputPixel <= budgetBytes) return longest;
  const paddedEdge = Math.floor(Math.sqrt(budgetBytes / bytesPerInputPixel));
  const core = Math.min(MAX_AUTO_TILE, Math.max(MIN_AUTO_TILE, paddedEdge - 2 * pad));
  return Math.max(1, Math.min(core, longest));
}
