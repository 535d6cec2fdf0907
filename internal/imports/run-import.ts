// Runs one import: reads the documents, finds their URLs (each once), then downloads them under the host caps
// with retries, storing each image like an upload, and records every URL's outcome as an event. Resumable: the
// items an earlier run finished (their outcome events are in the read model) are not done again, and an image
// id is derived from its item, so an item whose image was stored but whose outcome was not is found, not
// stored twice. Cancelling (the signal) stops new downloads at once and aborts those in flight.
import type { Readable } from 'node:stream';
import type { EventPublisher } from '../ports/event-bus.ts';
import { documentUrls } from './document-urls.ts';
import type { HostLimiter } from './host-limiter.ts';
import { groupNameFor, importItemId, type ImportItemDone, type ImportRequest } from './import.ts';
import { DEFAULT_RETRY, withRetries, type RetryPolicy } from './retry.ts';

/** One URL to bring in, and where it came from. */
export interface ImportItem {
  itemId: string;
  documentId: string;
  path: string;
  url: string;
  group: string;
}

/** What a download gives the store: the body, and the HTTP facts the image keeps as its origin. */
export interface FetchedImage {
  finalUrl: string;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  body: Readable;
}

export interface StoreOutcome {
  outcome: 'downloaded' | 'skipped';
  imageId: string;
  reason?: string;
  /** Bytes downloaded (stored or not). */
  bytes?: number;
}

export interface ImportRunDeps {
  /** The documents the request selects, each with its `_id` as a string. */
  documents(
    request: ImportRequest,
    signal: AbortSignal,
  ): AsyncIterable<{ id: string; doc: Record<string, unknown> }>;
  download(url: string, signal: AbortSignal): Promise<FetchedImage>;
  /**
   * Stores an item's image (inspected like an upload) and publishes its upload; `skipped` when the same URL
   * with the same bytes is already an image, or this item's image exists from an earlier run.
   */
  store(item: ImportItem, fetched: FetchedImage, actor: string): Promise<StoreOutcome>;
  /**
   * The images an earlier run of this import stored for these items (item id → image id), looked up once
   * before any download; the place to look up anything else about these items in bulk, too.
   */
  storedBefore(items: ImportItem[]): Promise<Map<string, string>>;
  /** The outcomes already recorded for this import (a resumed run skips them). */
  done(importId: string): Promise<Map<string, ImportItemDone['outcome']>>;
  events: EventPublisher;
  limiter: HostLimiter;
  retry?: RetryPolicy;
  onRetry?(item: ImportItem, reason: string, waitMs: number): void;
  onOutcome?(item: ImportItem, outcome: ImportItemDone['outcome'], bytes: number): void;
}

/** A failure with a sentence for the person running the import, and whether another try may help. */
export interface ItemFailure {
  message: string;
  retryable?: boolean;
  retryAfterMs?: number | undefined;
  attempts?: number;
}

export async function runImport(
  importId: string,
  request: ImportRequest,
  actor: string,
  deps: ImportRunDeps,
  signal: AbortSignal,
): Promise<'completed' | 'cancelled' | 'failed'> {
  const { events } = deps;
  const publish = events.publish.bind(events);
  const items: ImportItem[] = [];
  let documents = 0;
  try {
    const seen = new Set<string>();
    for await (const { id, doc } of deps.documents(request, signal)) {
      documents++;
      const group = groupNameFor(request.group, request.collection, id, doc);
      for (const { url, path } of documentUrls(doc, request.fields)) {
        if (seen.has(url)) continue;
        seen.add(url);
        items.push({ itemId: importItemId(importId, url), documentId: id, path, url, group });
      }
    }
  } catch (err) {
    if (signal.aborted) return cancel();
    const reason = `reading the documents failed: ${(err as Error).message}`.slice(0, 2000);
    await publish('pf.import.failed', importId, { importId, reason }, { actor, id: `${importId}-failed` });
    return 'failed';
  }
  await publish(
    'pf.import.started',
    importId,
    { importId, documents, found: items.length },
    { actor, id: `${importId}-started` },
  );

  const counts = { downloaded: 0, skipped: 0, failed: 0 };
  const done = await deps.done(importId);
  for (const outcome of done.values()) counts[outcome]++;
  const record = async (
    item: ImportItem,
    {
      bytes = 0,
      ...result
    }: Omit<ImportItemDone, 'importId' | 'itemId' | 'documentId' | 'path' | 'url'> & {
      bytes?: number;
    },
  ) => {
    counts[result.outcome]++;
    deps.onOutcome?.(item, result.outcome, bytes);
    await publish(
      'pf.import.item_done',
      importId,
      {
        importId,
        itemId: item.itemId,
        documentId: item.documentId,
        path: item.path,
        url: item.url,
        ...result,
      },
      { actor, id: `${importId}-${item.itemId}` },
    );
  };

  const todo = items.filter((item) => !done.has(item.itemId));
  const stored = todo.length ? await deps.storedBefore(todo) : new Map<string, string>();
  const one = async (item: ImportItem) => {
    const earlier = stored.get(item.itemId);
    if (earlier) return record(item, { outcome: 'downloaded', imageId: earlier, attempts: 0 });
    const host = new URL(item.url).host;
    try {
      const { value, attempts } = await withRetries(
        () =>
          deps.limiter.run(
            host,
            async (release) => {
              const fetched = await deps.download(item.url, signal);
              // The host is done with once the body is in: storing and publishing it go on without a slot.
              fetched.body.once('end', release);
              return deps.store(item, fetched, actor);
            },
            signal,
          ),
        {
          policy: deps.retry ?? DEFAULT_RETRY,
          signal,
          onRetry: (err, _attempt, waitMs) => {
            const failure = err as ItemFailure;
            if (failure.retryAfterMs) deps.limiter.pause(host, failure.retryAfterMs);
            deps.onRetry?.(item, failure.message, waitMs);
          },
        },
      );
      await record(item, { ...value, attempts });
    } catch (err) {
      if (signal.aborted) return;
      const failure = err as ItemFailure;
      await record(item, {
        outcome: 'failed',
        reason: (failure.message ?? String(err)).slice(0, 1000),
        attempts: failure.attempts ?? 1,
      });
    }
  };

  await Promise.all(todo.map((item) => one(item)));
  if (signal.aborted) return cancel();
  await publish(
    'pf.import.completed',
    importId,
    { importId, ...counts },
    { actor, id: `${importId}-completed` },
  );
  return 'completed';

  async function cancel(): Promise<'cancelled'> {
    await publish('pf.import.cancelled', importId, { importId }, { actor, id: `${importId}-cancelled` });
    return 'cancelled';
  }
}
