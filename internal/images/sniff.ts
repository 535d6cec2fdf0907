// Recognises image formats from their bytes (never the file name) and checks their structure while they
// stream past: the type from magic numbers, dimensions from the header, completeness from the trailer.
import { imageSize } from 'image-size';
import type { ImageContentType } from './image.ts';

const startsWith = (buf: Uint8Array, bytes: number[], at = 0) => bytes.every((b, i) => buf[at + i] === b);
const ascii = (buf: Uint8Array, at: number, text: string) =>
  startsWith(buf, [...Buffer.from(text, 'latin1')], at);

/** Bytes needed before `detectImageType` can decide. */
export const MAGIC_BYTES = 16;

/** The content type the magic numbers announce, or null for anything Pixelforge does not accept. */
export function detectImageType(head: Uint8Array): ImageContentType | null {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'image/gif';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'image/webp';
  if (ascii(head, 4, 'ftyp') && (ascii(head, 8, 'avif') || ascii(head, 8, 'avis'))) return 'image/avif';
  return null;
}

export type HeaderResult =
  { kind: 'ok'; width: number; height: number } | { kind: 'need-more' } | { kind: 'corrupt'; reason: string };

/** Dimensions as displayed (EXIF orientations 5–8 swap them), read from the first bytes only. */
export function readDimensions(head: Uint8Array): HeaderResult {
  try {
    const size = imageSize(head);
    if (!size.width || !size.height) return { kind: 'corrupt', reason: 'the header declares no dimensions' };
    const swapped = (size.orientation ?? 1) >= 5;
    return {
      kind: 'ok',
      width: swapped ? size.height : size.width,
      height: swapped ? size.width : size.height,
    };
  } catch (err) {
    const message = (err as Error).message;
    if (/exceeded buffer limits|Invalid (JPG|PNG)|out of range/i.test(message)) return { kind: 'need-more' };
    return { kind: 'corrupt', reason: message };
  }
}

/** Follows the bytes of one file and says at the end whether its structure is complete. */
export interface TrailerCheck {
  update(chunk: Uint8Array): void;
  /** null when complete, else why the file is truncated. */
  verdict(): string | null;
}

/** A structural completeness check for `type`: cheap, streaming, no decode. */
export function trailerCheck(type: ImageContentType): TrailerCheck {
  let total = 0;
  let tail = Buffer.alloc(0);
  const first: number[] = [];
  const boxes = isoBoxWalker();
  return {
    update(chunk) {
      if (first.length < 12) first.push(...chunk.subarray(0, 12 - first.length));
      if (type === 'image/avif') boxes.update(chunk, total);
      total += chunk.length;
      // Only the last 1024 bytes of the chunk can end up in the tail: no copy of the whole chunk.
      tail = Buffer.concat([tail, chunk.subarray(-1024)]).subarray(-1024);
    },
    verdict() {
      switch (type) {
        case 'image/jpeg':
          // Some cameras append data after the end-of-image marker; it must still be near the end.
          return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) >= 0
            ? null
            : 'the JPEG has no end-of-image marker';
        case 'image/png':
          return tail.subarray(-8).equals(Buffer.from('IEND\xaeB`\x82', 'latin1'))
            ? null
            : 'the PNG has no IEND chunk at its end';
        case 'image/gif':
          return tail[tail.length - 1] === 0x3b ? null : 'the GIF has no trailer byte';
        case 'image/webp': {
          const declared = Buffer.from(first).readUInt32LE(4) + 8;
          return declared === total ? null : `the WebP declares ${declared} bytes but has ${total}`;
        }
        case 'image/avif':
          return boxes.verdict(total);
        default:
          return null;
      }
    },
  };
}

/** Walks the top-level boxes of an ISO-BMFF file (AVIF) as bytes stream past, to check none is cut short. */
function isoBoxWalker() {
  let nextBox = 0;
  let header = Buffer.alloc(0);
  let headerAt = 0;
  let bad: string | null = null;
  return {
    update(chunk: Uint8Array, offset: number) {
      let pos = 0;
      while (!bad && pos < chunk.length) {
        const absolute = offset + pos;
        if (absolute < nextBox) {
          pos += Math.min(chunk.length - pos, nextBox - absolute);
          continue;
        }
        if (header.length === 0) headerAt = absolute;
        // 8 header bytes, or 16 when the size field says a 64-bit size follows: never read into the body.
        const want = header.length >= 8 && header.readUInt32BE(0) === 1 ? 16 : 8;
        const take = Math.min(want - header.length, chunk.length - pos);
        header = Buffer.concat([header, chunk.subarray(pos, pos + take)]);
        pos += take;
        if (header.length < want) continue;
        const size32 = header.readUInt32BE(0);
        if (size32 === 1 && header.length < 16) continue;
        const size = size32 === 1 ? Number(header.readBigUInt64BE(8)) : size32 === 0 ? Infinity : size32;
        if (size < header.length) bad = 'the AVIF has a malformed box';
        nextBox = headerAt + size;
        header = Buffer.alloc(0);
      }
    },
    verdict(total: number) {
      if (bad) return bad;
      if (header.length > 0) return 'the AVIF ends inside a box header';
      return nextBox === Infinity || nextBox === total
        ? null
        : `the AVIF ends ${nextBox - total} bytes early`;
    },
  };
}
