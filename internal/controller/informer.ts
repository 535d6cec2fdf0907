// A local mirror of a watched collection (client-go's informer): list, then watch from the list's version;
// resume after the server ends a watch, list again when the version expired, restart a watch that went
// quiet, and re-list periodically so a missed event cannot leave the mirror wrong for long.
import { WatchExpiredError, type ListWatch, type WatchHandle } from '../ports/resource-store.ts';
import type { Logger } from '../telemetry/logger.ts';

/** Options of {@link createInformer}; durations in ms. */
export interface InformerOptions<T> {
  /** For logs, e.g. `enhancementjobs`. */
  name: string;
  keyOf(obj: T): string;
  versionOf(obj: T): string;
  /** Called for every key that changed (and, after a re-list, for every key), with the object or its last state. */
  onChange(key: string, obj: T): void;
  logger: Logger;
  /** Full re-list period (default 300 000). */
  resyncMs?: number;
  /** A watch with no event or bookmark for this long is restarted (default 120 000). */
  quietMs?: number;
  /** First delay after a failed list or watch, doubled up to 30 s (default 500). */
  retryMs?: number;
}

export interface Informer<T> {
  /** Lists and starts watching; resolves once the mirror holds the first list. */
  start(): Promise<void>;
  get(key: string): T | undefined;
  values(): IterableIterator<T>;
  /** Puts an object the caller just wrote into the mirror, unless the mirror already has a newer one. */
  remember(obj: T): void;
  /** Lists now and replaces the mirror (also done every `resyncMs`). */
  relist(): Promise<void>;
  /** How many watches were (re)started: tests watch it to see a restart happen. */
  readonly watchStarts: number;
  stop(): Promise<void>;
}

/** Creates an informer over `source`. */
export function createInformer<T>(source: ListWatch<T>, options: InformerOptions<T>): Informer<T> {
  const { name, keyOf, versionOf, onChange, logger, resyncMs = 300_000, quietMs = 120_000 } = options;
  const retryMs = options.retryMs ?? 500;
  const log = logger.child({ informer: name });
  const cache = new Map<string, T>();
  let resourceVersion = '';
  let stopped = false;
  let watch: WatchHandle | undefined;
  let lastActivity = Date.now();
  let watchStarts = 0;
  let needList = true;
  let wake: () => void = () => {};
  let loop: Promise<void> | undefined;

  const relist = async () => {
    const snapshot = await source.list();
    const seen = new Set<string>();
    for (const item of snapshot.items) {
      const key = keyOf(item);
      seen.add(key);
      cache.set(key, item);
    }
    const removed = [...cache.entries()].filter(([key]) => !seen.has(key));
    for (const [key] of removed) cache.delete(key);
    resourceVersion = snapshot.resourceVersion;
    // Every key, not just changed ones: a resync is also how a dropped reconcile gets retried.
    for (const item of snapshot.items) onChange(keyOf(item), item);
    for (const [key, item] of removed) onChange(key, item);
  };

  const runWatch = () =>
    new Promise<void>((resolve, reject) => {
      watchStarts++;
      lastActivity = Date.now();
      watch = source.watch(resourceVersion, (event) => {
        lastActivity = Date.now();
        if (event.type === 'BOOKMARK') {
          resourceVersion = event.resourceVersion;
          return;
        }
        const key = keyOf(event.object);
        resourceVersion = versionOf(event.object);
        if (event.type === 'DELETED') cache.delete(key);
        else cache.set(key, event.object);
        onChange(key, event.object);
      });
      wake = () => watch?.stop();
      watch.done.then(resolve, reject);
    });

  const run = async () => {
    let delay = retryMs;
    while (!stopped) {
      try {
        if (needList) {
          await relist();
          needList = false;
        }
        await runWatch();
        delay = retryMs;
      } catch (err) {
        if (stopped) break;
        if (err instanceof WatchExpiredError) {
          log.info('watch expired; listing again', { resourceVersion });
          needList = true;
          continue;
        }
        log.warn('list or watch failed; retrying', { err, delayMs: delay });
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 30_000);
      }
    }
  };

  // One timer does both jobs: end a silent watch, and end the current watch when a re-list is due.
  let timer: NodeJS.Timeout | undefined;
  let listedAt = Date.now();
  const tick = () => {
    const now = Date.now();
    if (now - lastActivity >= quietMs) {
      log.info('watch is quiet; restarting it', { quietMs });
      lastActivity = now;
      wake();
    } else if (now - listedAt >= resyncMs) {
      listedAt = now;
      needList = true;
      wake();
    }
  };

  return {
    async start() {
      await relist();
      needList = false;
      listedAt = Date.now();
      loop = run();
      timer = setInterval(tick, Math.max(50, Math.min(quietMs, resyncMs) / 4));
      timer.unref();
    },
    get: (key) => cache.get(key),
    remember(obj) {
      const key = keyOf(obj);
      const known = cache.get(key);
      if (!known || !isNewer(versionOf(known), versionOf(obj))) cache.set(key, obj);
    },
    values: () => cache.values(),
    relist,
    get watchStarts() {
      return watchStarts;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      watch?.stop();
      await loop;
    },
  };
}

/** Versions are opaque, but both backends use increasing integers; anything else counts as not newer. */
function isNewer(a: string, b: string): boolean {
  return /^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) > BigInt(b);
}
