// A pass-through stream that refuses anything but a complete image within the limits, as early as it can:
// type and pixel count from the first bytes (before anything is decoded or stored), size while streaming,
// and structural completeness at the end.
import { Transform, type TransformCallback } from 'node:stream';
import {
  CorruptImageError,
  PayloadTooLargeError,
  TooManyPixelsError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors/errors.ts';
import type { ImageContentType } from './image.ts';
import { MAGIC_BYTES, detectImageType, readDimensions, trailerCheck, type TrailerCheck } from './sniff.ts';

export interface UploadLimits {
  maxBytes: number;
  maxPixels: number;
  /** Largest header read while looking for the dimensions (JPEG metadata can precede them). */
  maxHeaderBytes?: number;
}

export interface InspectedImage {
  contentType: ImageContentType;
  width: number;
  height: number;
  size: number;
}

export const ACCEPTED_TYPES = 'JPEG, PNG, GIF, WebP or AVIF';

/** Creates the inspector; `result` resolves when the stream has ended and the image is known complete. */
export function inspectUpload({ maxBytes, maxPixels, maxHeaderBytes = 1024 * 1024 }: UploadLimits) {
  let head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  let known: Omit<InspectedImage, 'size'> | undefined;
  let trailer: TrailerCheck | undefined;
  let settle: { resolve: (i: InspectedImage) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<InspectedImage>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => {});

  const identify = (final: boolean): Error | undefined => {
    const bytes = Buffer.concat(head);
    if (bytes.length === 0 && final) return new ValidationError('the file is empty');
    if (bytes.length < MAGIC_BYTES && !final) return undefined;
    const contentType = detectImageType(bytes);
    if (!contentType) return new UnsupportedMediaTypeError(`the file is not a ${ACCEPTED_TYPES} image`);
    const dims = readDimensions(bytes);
    if (dims.kind === 'need-more') {
      if (final) return new CorruptImageError('the image ends before its header is complete');
      if (bytes.length > maxHeaderBytes)
        return new CorruptImageError('no image dimensions in the first bytes');
      return undefined;
    }
    if (dims.kind === 'corrupt') return new CorruptImageError(`the image header is corrupt: ${dims.reason}`);
    if (dims.width * dims.height > maxPixels)
      return new TooManyPixelsError(dims.width, dims.height, maxPixels);
    known = { contentType, width: dims.width, height: dims.height };
    trailer = trailerCheck(contentType);
    trailer.update(bytes);
    return undefined;
  };

  const fail = (err: Error, callback: TransformCallback) => {
    settle?.reject(err);
    callback(err);
  };

  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) return fail(new PayloadTooLargeError(maxBytes), callback);
      if (known) {
        trailer!.update(chunk);
        return callback(null, chunk);
      }
      head.push(chunk);
      headBytes += chunk.length;
      const err = identify(false);
      if (err) return fail(err, callback);
      if (!known) return callback();
      // Identified: release everything held back so far.
      const held = Buffer.concat(head, headBytes);
      head = [];
      callback(null, held);
    },
    flush(callback) {
      if (!known) {
        const err = identify(true);
        if (err) return fail(err, callback);
        const held = Buffer.concat(head, headBytes);
        head = [];
        this.push(held);
      }
      const incomplete = trailer!.verdict();
      if (incomplete) return fail(new CorruptImageError(`the image is truncated: ${incomplete}`), callback);
      settle?.resolve({ ...known!, size });
      callback();
    },
  });
  return { stream, result };
}
