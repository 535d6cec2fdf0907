// A pass-through stream that refuses what is certainly not a video from its first bytes (before anything is
// stored), and anything over the size limit while streaming. ffprobe decides the rest once the file is whole.
import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors/errors.ts';

export const ACCEPTED_VIDEO_TYPES = 'MP4, MOV, MKV, WebM or AVI';

/** The ISO-BMFF boxes an MP4 or MOV file can start with. */
const MP4_FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot']);
const HEAD_BYTES = 12;

/** True when `head` (the first 12 bytes, or the whole file when shorter) starts like an accepted container. */
export function looksLikeVideo(head: Uint8Array): boolean {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 8 && MP4_FIRST_BOXES.has(bytes.toString('latin1', 4, 8))) return true;
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x1a45dfa3) return true; // EBML: Matroska, WebM
  return (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'AVI '
  );
}

/** The checking stream; it errors with a PixelforgeError saying what was wrong. */
export function sniffVideoUpload(maxBytes: number): Transform {
  let head: Buffer[] = [];
  let size = 0;
  let identified = false;
  const check = (final: boolean, stream: Transform, callback: TransformCallback) => {
    const bytes = Buffer.concat(head);
    if (bytes.length === 0 && final) return callback(new ValidationError('the file is empty'));
    if (bytes.length < HEAD_BYTES && !final) return callback();
    if (!looksLikeVideo(bytes))
      return callback(new UnsupportedMediaTypeError(`the file is not an ${ACCEPTED_VIDEO_TYPES} video`));
    identified = true;
    head = [];
    stream.push(bytes);
    callback();
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return callback(new PayloadTooLargeError(maxBytes));
      if (identified) return callback(null, chunk);
      head.push(chunk);
      check(false, this, callback);
    },
    flush(callback) {
      if (identified) return callback();
      check(true, this, callback);
    },
  });
}
