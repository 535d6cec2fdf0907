// What an import is: a request to bring in the images whose URLs are in documents of a MongoDB collection the
// operator named as a source, and what happens to each URL. The request travels as `pf.import.requested`
// (from the HTTP API or any NATS publisher); each URL's outcome is a `pf.import.item_done`.
import { createHash } from 'node:crypto';
import { z } from 'zod';

/** MongoDB database and collection names as MongoDB accepts them, and no system collections. */
const DbName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[^/\\. "$*<>:|?\p{Cc}]+$/u, 'not a MongoDB database name');
const CollectionName = z
  .string()
  .min(1)
  .max(120)
  .regex(/^(?!system\.)[^$\p{Cc}]+$/u, 'not a collection an import may read');
const FieldPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^$.\p{Cc}][^$\p{Cc}]*$/u, 'a field is a dotted path such as photos.url');

export const ImportScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('collection'), limit: z.number().int().min(1).max(100_000).optional() }),
  z.object({
    kind: z.literal('document'),
    /** The document's `_id`: a 24-hex ObjectId (as `{ $oid }` or a plain string that looks like one) or a string. */
    id: z.union([z.string().min(1).max(200), z.object({ $oid: z.string().regex(/^[0-9a-f]{24}$/i) })]),
  }),
  z.object({
    kind: z.literal('filter'),
    /** Checked by checkImportFilter before it is published. */
    filter: z.record(z.string(), z.unknown()),
    limit: z.number().int().min(1).max(100_000),
  }),
]);
export type ImportScope = z.infer<typeof ImportScope>;

export const ImportRequest = z.object({
  /** A name in PIXELFORGE_IMPORT_SOURCES (`default`: Pixelforge's own database server). */
  source: z.string().min(1).max(64).default('default'),
  database: DbName.optional(),
  collection: CollectionName,
  scope: ImportScope,
  /** Where the URLs are; none: every http(s) URL string of the document. */
  fields: z.array(FieldPath).max(20).optional(),
  /** The group of each document's images: `{collection}`, `{_id}` and `{field.path}` are replaced. */
  group: z.string().min(1).max(200).default('{collection}/{_id}'),
});
export type ImportRequest = z.infer<typeof ImportRequest>;

export const IMPORT_OUTCOMES = ['downloaded', 'skipped', 'failed'] as const;
export const IMPORT_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Whether an import has ended: nothing more happens to it. */
export const importEnded = (status: string): boolean =>
  status === 'completed' || status === 'failed' || status === 'cancelled';

/** An import as the read model has it: its request, owner, status and counts. */
export interface ImportView {
  id: string;
  owner: string | null;
  request: ImportRequest;
  status: ImportStatus;
  cancelRequested: boolean;
  documents: number | null;
  counts: { found: number; downloaded: number; skipped: number; failed: number };
  reason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  lastSeq: number;
}

/** One URL of one document, and what became of it. */
export const ImportItemDone = z.object({
  importId: z.string().min(1).max(64),
  /** Deterministic: the same URL of the same import is the same item, across restarts. */
  itemId: z.string().min(1).max(64),
  documentId: z.string().max(200),
  path: z.string().max(500),
  url: z.string().max(2048),
  outcome: z.enum(IMPORT_OUTCOMES),
  imageId: z.string().optional(),
  /** Why it failed or was skipped, in a sentence a person can act on. */
  reason: z.string().max(1000).optional(),
  attempts: z.number().int().nonnegative(),
});
export type ImportItemDone = z.infer<typeof ImportItemDone>;

/** The item id of `url` in import `importId`. */
export function importItemId(importId: string, url: string): string {
  return createHash('sha256').update(`${importId}\n${url}`).digest('hex').slice(0, 32);
}

/** The group name of a document's images, from the request's template. */
export function groupNameFor(
  template: string,
  collection: string,
  documentId: string,
  doc: Record<string, unknown>,
): string {
  const name = template.replace(/\{([^{}]{1,100})\}/g, (_, key: string) => {
    if (key === 'collection') return collection;
    if (key === '_id') return documentId;
    const value = key
      .split('.')
      .reduce<unknown>(
        (v, step) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined),
        doc,
      );
    return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  });
  return (name.trim() || `${collection}/${documentId}`).slice(0, 200);
}
