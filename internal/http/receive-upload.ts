// Receives one multipart upload for a route: refuses a declared size over the limit before reading, waits for
// an upload slot, streams the parts to `handle`, and on failure reads what is left of the body (briefly) so
// that the client sees the answer rather than a reset connection.
import type { Context } from 'hono';
import { PayloadTooLargeError } from '../errors/errors.ts';
import type { AppEnv } from './context.ts';
import { parseUpload, type UploadParts } from './multipart.ts';
import type { UploadSlots } from './upload-slots.ts';

export async function receiveUpload(
  c: Context<AppEnv>,
  { maxBytes, slots }: { maxBytes: number; slots: UploadSlots },
  handle: (parts: UploadParts) => Promise<Response>,
): Promise<Response> {
  const declared = Number(c.req.header('content-length'));
  // Refuse what is certainly too big before reading it; multipart framing needs a little slack.
  if (declared > maxBytes + 64 * 1024) {
    c.header('Connection', 'close');
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

/** Parses the text fields once they arrive; a rejection before the handler awaits them is not unhandled. */
export function parsedFields<T>(parts: UploadParts, parse: (raw: Record<string, string>) => T): Promise<T> {
  const fields = parts.fields.then(parse);
  fields.catch(() => {});
  return fields;
}
