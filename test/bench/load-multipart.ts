// The multipart/form-data body of an upload, as byte pieces written in turn (the file is never copied).

/** The boundary every benchmark body uses, so a prepared body can be replayed byte for byte. */
export const BOUNDARY = '----pixelforge-bench-7c1f3a';

/** The request header that goes with {@link uploadBody}. */
export const UPLOAD_CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/**
 * The pieces of a body with the text `fields` first and then `file` as the `file` part, and their total
 * length (for Content-Length: the load generator sends bodies unchunked, as browsers and curl do).
 */
export function uploadBody(
  fields: Record<string, string>,
  file: Buffer,
  filename = 'photo.jpg',
): { pieces: Buffer[]; length: number } {
  let head = '';
  for (const [name, value] of Object.entries(fields)) {
    head += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  head += `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`;
  const pieces = [Buffer.from(head), file, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)];
  return { pieces, length: pieces.reduce((n, p) => n + p.length, 0) };
}
