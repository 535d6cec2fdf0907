// Serves stored bytes with ETag, conditional requests and single byte ranges.
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { BlobStore, ByteRange } from '../ports/blob-store.ts';

export interface BlobToServe {
  blobKey: string;
  contentType: string;
  size: number;
  sha256: string;
  filename?: string;
}

/** Parses one `bytes=` range against `size`; null for none, 'unsatisfiable' for a range outside the file. */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multiple ranges and other units are allowed to be ignored (RFC 9110 §14.2): send the whole file.
  if (!match || (!match[1] && !match[2])) return null;
  let start: number;
  let end: number;
  if (!match[1]) {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export async function serveBlob(c: Context, blobs: BlobStore, blob: BlobToServe): Promise<Response> {
  const etag = `"${blob.sha256}"`;
  c.header('ETag', etag);
  c.header('Accept-Ranges', 'bytes');
  c.header('Cache-Control', 'public, max-age=31536000, immutable');
  c.header('X-Content-Type-Options', 'nosniff');
  if (blob.filename)
    c.header('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(blob.filename)}`);
  if (
    c.req
      .header('if-none-match')
      ?.split(',')
      .some((t) => t.trim() === etag || t.trim() === '*')
  ) {
    return c.body(null, 304);
  }
  const ifRange = c.req.header('if-range');
  const range = ifRange && ifRange !== etag ? null : parseRange(c.req.header('range'), blob.size);
  if (range === 'unsatisfiable') {
    c.header('Content-Range', `bytes */${blob.size}`);
    return c.json({ code: 'range_not_satisfiable', message: `the file has ${blob.size} bytes` }, 416);
  }
  const stream = await blobs.get(blob.blobKey, range ?? undefined);
  const body = Readable.toWeb(stream) as ReadableStream<Uint8Array>;
  c.header('Content-Type', blob.contentType);
  if (range) {
    c.header('Content-Range', `bytes ${range.start}-${range.end}/${blob.size}`);
    c.header('Content-Length', String(range.end - range.start + 1));
    return c.body(body, 206);
  }
  c.header('Content-Length', String(blob.size));
  return c.body(body, 200);
}
