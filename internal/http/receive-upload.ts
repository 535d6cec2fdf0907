// Receives one multipart upload for a route: refuses a declared size over the limit before reading, waits for
// an upload slot, streams the parts to `handle`, and on failure reads what is left of the body (briefly) so
// that the client sees the answer rather than a reset connection.
import type { Context } from 'hono';
import { PayloadTooLargeError, ValidationError } from '../errors/errors.ts';
import type { AppEnv } from './context.ts';
import { parseUpload, type UploadParts } from './multipart.ts';
import type { UploadSlots } from './upload-slots.ts';

/** How far over the limit a declared body is still read and dropped, so that the client sees the 413. */
const DRAIN_BOUND = 64 * 1024 * 1024;

/** Reads the request body to its end and drops it; false when that takes over 10 s. */
async function drained(c: Context<AppEnv>): Promise<boolean> {
  const incoming = c.env?.incoming;
  const done = incoming
    ? new Promise<boolean>((resolve) => {
        incoming.once('end', () => resolve(true)).once('error', () => resolve(false));
        incoming.resume();
      })
    : (c.req.raw.body?.cancel() ?? Promise.resolve()).then(() => true);
  return Promise.race([done, new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
}

export async function receiveUpload(
  c: Context<AppEnv>,
  { maxBytes, slots }: { maxBytes: number; slots: UploadSlots },
  handle: (parts: UploadParts) => Promise<Response>,
): Promise<Response> {
  const declared = Number(c.req.header('content-length'));
  // Refuse what is certainly too big before storing any of it; multipart framing needs a little slack. A
  // body up to DRAIN_BOUND over the limit is read and dropped first: a client that is still sending when the
  // answer comes (fetch, curl) would otherwise see a reset connection (EPIPE) instead of the 413.
  if (declared > maxBytes + 64 * 1024) {
    if (declared > maxBytes + DRAIN_BOUND || !(await drained(c))) c.header('Connection', 'close');
    throw new PayloadTooLargeError(maxBytes);
  }
  const release = await slots.acquire();
  try {
    // Under @hono/node-server the Node request is read directly: `c.req.raw.body` would build a Request and
    // bridge the body Node → web → Node, copying every chunk through two stream layers (BENCHMARKS.md).
    const body = c.env?.incoming ?? c.req.raw.body;
    const parts = await parseUpload(c.req.header('content-type') ?? '', body, { maxFileBytes: maxBytes });
    try {
      return await handle(parts);
    } catch (err) {
      parts.file.resume();
      const drained = await Promise.race([
        parts.fields.then(
          () => true,
          () => true,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
      ]);
      if (!drained) c.header('Connection', 'close');
      throw err;
    }
  } finally {
    release();
  }
}

/**
 * Reads a JSON body of at most `maxBytes` (counted as it arrives, whatever Content-Length says) and parses it;
 * a body over the bound is a 413, malformed JSON a 400.
 */
export async function readJsonBody(
  c: Context<AppEnv>,
  maxBytes: number,
  limitBytes: number,
): Promise<unknown> {
  const declared = Number(c.req.header('content-length'));
  if (declared > maxBytes) {
    if (declared > maxBytes + DRAIN_BOUND || !(await drained(c))) c.header('Connection', 'close');
    throw new PayloadTooLargeError(limitBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const body = c.env?.incoming ?? c.req.raw.body;
  if (body) {
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        if (!(await drained(c))) c.header('Connection', 'close');
        throw new PayloadTooLargeError(limitBytes);
      }
      chunks.push(Buffer.from(chunk));
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ValidationError('the body is not valid JSON');
  }
}

/** Parses the text fields once they arrive; a rejection before the handler awaits them is not unhandled. */
export function parsedFields<T>(parts: UploadParts, parse: (raw: Record<string, string>) => T): Promise<T> {
  const fields = parts.fields.then(parse);
  fields.catch(() => {});
  return fields;
}
