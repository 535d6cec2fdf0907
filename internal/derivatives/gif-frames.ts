// Counts the frames of a GIF by walking its blocks, without decoding any pixels.

/**
 * The number of image descriptors in `gif`, stopping once `stopAt` are seen (2 answers "is it animated?").
 * A truncated or malformed file counts the frames found before the damage: the decoder reports the damage.
 */
export function countGifFrames(gif: Uint8Array, stopAt = Infinity): number {
  if (gif.length < 13) return 0;
  const packed = gif[10]!;
  // Logical screen descriptor, then the global colour table when its flag is set.
  let at = 13 + (packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0);
  let frames = 0;
  const skipSubBlocks = () => {
    while (at < gif.length) {
      const size = gif[at]!;
      at += 1 + size;
      if (size === 0) return;
    }
  };
  while (at < gif.length && frames < stopAt) {
    const block = gif[at]!;
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      at += 2; // introducer and label
      skipSubBlocks();
    } else if (block === 0x2c) {
      frames++;
      const flags = gif[at + 9] ?? 0;
      at += 10 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
      at += 1; // LZW minimum code size
      skipSubBlocks();
    } else {
      break;
    }
  }
  return frames;
}
