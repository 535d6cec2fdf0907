// Streams a multipart upload: the file part as a Readable (never buffered whole), the text fields as a
// promise that settles when the body has been read.
import { Readable, finished } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { ValidationError } from '../errors/errors.ts';

export interface UploadParts {
  file: Readable;
  filename: string;
  /** The text fields; rejects when the body is malformed or has no `file` part. */
  fields: Promise<Record<string, string>>;
}

export interface MultipartOptions {
  maxFileBytes: number;
  /** Limit per text field (default 16 KiB). */
  maxFieldBytes?: number;
}

/**
 * Starts parsing; resolves as soon as the `file` part begins. `body` is best the Node request itself (no
 * web-stream bridge to copy through); a web `ReadableStream` works too, for requests not served by Node.
 */
export function parseUpload(
  contentType: string,
  body: Readable | ReadableStream<Uint8Array> | null,
  { maxFileBytes, maxFieldBytes = 16 * 1024 }: MultipartOptions,
): Promise<UploadParts> {
  if (!/^multipart\/form-data/i.test(contentType)) {
    return Promise.reject(new ValidationError('the upload must be multipart/form-data with a `file` part'));
  }
  if (!body) return Promise.reject(new ValidationError('the request has no body'));
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      // One byte over the limit lets the inspector see that it was exceeded.
      limits: { files: 1, fileSize: maxFileBytes + 1, fields: 20, fieldSize: maxFieldBytes, parts: 21 },
    });
  } catch (err) {
    return Promise.reject(new ValidationError(`malformed multipart body: ${(err as Error).message}`));
  }
  const source = body instanceof Readable ? body : Readable.fromWeb(body as WebReadableStream<Uint8Array>);
  const values: Record<string, string> = {};
  let sawFile = false;

  const fields = new Promise<Record<string, string>>((resolve, reject) => {
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated)
        reject(new ValidationError(`the field ${name} is longer than ${maxFieldBytes} bytes`));
      values[name] = value;
    });
    parser.on('filesLimit', () => reject(new ValidationError('send one file per upload')));
    parser.on('close', () =>
      sawFile ? resolve(values) : reject(new ValidationError('the upload has no `file` part')),
    );
    parser.on('error', (err: Error) =>
      reject(new ValidationError(`malformed multipart body: ${err.message}`)),
    );
  });
  fields.catch(() => {});

  return new Promise<UploadParts>((resolve, reject) => {
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || sawFile) {
        stream.resume();
        return;
      }
      sawFile = true;
      // Past the limit busboy truncates the part and the inspector reports 413; the stream is left alive
      // so the parser can drain the rest of the body.
      resolve({ file: stream, filename: info.filename ?? 'upload', fields });
    });
    fields.catch(reject);
    // A client that hangs up mid-body must fail the parse, or its upload slot is never released: `finished`
    // sees the hang-up however the request reports it. Not `pipeline`: on a malformed body that would destroy
    // the request, and with it the socket the 400 goes out on.
    finished(source, { writable: false }, (err) => {
      if (err) parser.destroy(err);
    });
    source.pipe(parser);
  });
}
