// Opaque pagination cursors: the sort key of the last item, base64url-encoded.
import { ValidationError } from '../../errors/errors.ts';

type Part = 'string' | 'date';

/** Encodes the sort key of the last item of a page. */
export function encodeCursor(key: (string | Date)[]): string {
  return Buffer.from(JSON.stringify(key.map((k) => (k instanceof Date ? { d: k.getTime() } : k)))).toString(
    'base64url',
  );
}

/** Decodes a cursor made by encodeCursor; a malformed one is a ValidationError (HTTP 400). */
export function decodeCursor(cursor: string, shape: Part[]): (string | Date)[] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (!Array.isArray(parts) || parts.length !== shape.length)
    throw new ValidationError('the cursor is not valid');
  return shape.map((kind, i) => {
    const part = parts[i];
    if (kind === 'string' && typeof part === 'string' && part.length <= 64) return part;
    if (kind === 'date' && typeof part === 'object' && part && Number.isFinite((part as { d: unknown }).d)) {
      return new Date((part as { d: number }).d);
    }
    throw new ValidationError('the cursor is not valid');
  });
}
