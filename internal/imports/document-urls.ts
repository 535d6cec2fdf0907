// The image URLs of a source document: from the fields an import names (dotted paths through objects and
// arrays, ending in a URL string, an array of them, or objects with a `url`), or, when it names none, every
// string value that is an http(s) URL. Each comes with the concrete path it was found at (`photos.2.url`), which
// the imported image keeps as its provenance.
export interface FoundUrl {
  url: string;
  /** Where in the document: dotted, with array indexes (`photos.0.url`). */
  path: string;
}

export const DOCUMENT_URL_LIMITS = { maxUrls: 1000, maxDepth: 12, maxUrlLength: 2048 };

/** An absolute http(s) URL without credentials, normalised by the URL parser; null for anything else. */
export function httpUrl(value: string, maxLength = DOCUMENT_URL_LIMITS.maxUrlLength): string | null {
  const text = value.trim();
  if (text.length > maxLength || !/^https?:\/\//i.test(text)) return null;
  try {
    const url = new URL(text);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return null;
    if (url.username || url.password) return null;
    url.hash = '';
    return url.href;
  } catch {
    return null;
  }
}

/** The URLs of `doc`: at `fields` when given, anywhere otherwise; each URL once, in document order. */
export function documentUrls(
  doc: Record<string, unknown>,
  fields: readonly string[] | undefined,
  limits = DOCUMENT_URL_LIMITS,
): FoundUrl[] {
  const found: FoundUrl[] = [];
  const seen = new Set<string>();
  const add = (value: unknown, path: string) => {
    if (typeof value !== 'string' || found.length >= limits.maxUrls) return;
    const url = httpUrl(value, limits.maxUrlLength);
    if (url && !seen.has(url)) {
      seen.add(url);
      found.push({ url, path });
    }
  };
  /** A named field's value: a URL, an array of them, or objects with a `url` (or arrays of those). */
  const leaf = (value: unknown, path: string, depth: number): void => {
    if (depth > limits.maxDepth) return;
    if (Array.isArray(value)) value.forEach((v, i) => leaf(v, `${path}.${i}`, depth + 1));
    else if (value && typeof value === 'object' && 'url' in value)
      add((value as { url: unknown }).url, `${path}.url`);
    else add(value, path);
  };
  const follow = (value: unknown, steps: string[], path: string, depth: number): void => {
    if (depth > limits.maxDepth || value === null || value === undefined) return;
    if (steps.length === 0) return leaf(value, path, depth);
    if (Array.isArray(value)) {
      const index = /^\d+$/.test(steps[0]!) ? Number(steps[0]) : undefined;
      if (index !== undefined) return follow(value[index], steps.slice(1), `${path}.${index}`, depth + 1);
      value.forEach((v, i) => follow(v, steps, `${path}.${i}`, depth + 1));
      return;
    }
    if (typeof value !== 'object') return;
    const [step, ...rest] = steps;
    if (!Object.hasOwn(value, step!)) return;
    follow((value as Record<string, unknown>)[step!], rest, path ? `${path}.${step}` : step!, depth + 1);
  };
  const anywhere = (value: unknown, path: string, depth: number): void => {
    if (depth > limits.maxDepth || found.length >= limits.maxUrls) return;
    if (Array.isArray(value)) value.forEach((v, i) => anywhere(v, `${path}.${i}`, depth + 1));
    else if (value && typeof value === 'object' && !isBsonValue(value))
      for (const [key, v] of Object.entries(value)) anywhere(v, path ? `${path}.${key}` : key, depth + 1);
    else add(value, path);
  };
  if (fields?.length) for (const field of fields) follow(doc, field.split('.'), '', 0);
  else anywhere(doc, '', 0);
  return found;
}

/** ObjectIds, dates and binaries are values, not documents to walk into. */
function isBsonValue(value: object): boolean {
  return value instanceof Date || '_bsontype' in value || ArrayBuffer.isView(value);
}
