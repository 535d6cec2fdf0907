// The reconcile queue (client-go's workqueue): a key is queued at most once, never processed by two
// workers at once, re-run when it changed during processing, requeued after a delay on request, and
// retried with capped exponential backoff when processing fails.
import type { Logger } from '../telemetry/logger.ts';

/** What a reconcile asks of the queue when it succeeds. */
export interface ReconcileResult {
  /** Look at this key again after this long (e.g. a retry backoff, a rate-limited progress write). */
  requeueAfterMs?: number;
}

/** Options of {@link createWorkQueue}; durations in ms. */
export interface WorkQueueOptions {
  /** Keys processed at once (default 4). */
  concurrency?: number;
  process(key: string): Promise<ReconcileResult | void>;
  logger: Logger;
  /** First retry delay after a failure, doubled per consecutive failure (default 100). */
  baseBackoffMs?: number;
  /** Cap of the retry delay (default 60 000). */
  maxBackoffMs?: number;
}

export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  /** Resolves once a reconcile of `key` that started after this call has succeeded; rejects on timeout. */
  addAndWait(key: string, timeoutMs?: number): Promise<void>;
  /** Keys waiting (not counting delayed ones or those in process). */
  readonly length: number;
  start(): void;
  /** Stops taking keys and waits for the reconciles in progress. */
  stop(): Promise<void>;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** Creates a stopped queue; `start()` begins processing. */
export function createWorkQueue({
  concurrency = 4,
  process,
  logger,
  baseBackoffMs = 100,
  maxBackoffMs = 60_000,
}: WorkQueueOptions): WorkQueue {
  const queue: string[] = [];
  const queued = new Set<string>();
  const processing = new Set<string>();
  const dirty = new Set<string>();
  const delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  const failures = new Map<string, number>();
  const waiting = new Map<string, Waiter[]>();
  const running = new Set<Promise<void>>();
  let started = false;
  let stopped = false;

  const add = (key: string) => {
    if (stopped) return;
    if (processing.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    queue.push(key);
    pump();
  };

  const addAfter = (key: string, delayMs: number) => {
    if (stopped) return;
    if (delayMs <= 0) return add(key);
    const at = Date.now() + delayMs;
    const existing = delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      delayed.delete(key);
      add(key);
    }, delayMs);
    delayed.set(key, { at, timer });
  };

  const runOne = async (key: string) => {
    const waiters = waiting.get(key) ?? [];
    waiting.delete(key);
    const started = Date.now();
    try {
      const result = await process(key);
      logger.debug('reconciled', { key, ms: Date.now() - started, requeueAfterMs: result?.requeueAfterMs });
      failures.delete(key);
      for (const w of waiters) w.resolve();
      if (result?.requeueAfterMs !== undefined) addAfter(key, result.requeueAfterMs);
    } catch (err) {
      const count = (failures.get(key) ?? 0) + 1;
      failures.set(key, count);
      const delayMs = Math.min(maxBackoffMs, baseBackoffMs * 2 ** (count - 1));
      logger.warn('reconcile failed; retrying', { key, err, delayMs, failures: count });
      // Waiters want a *successful* reconcile: they ride along with the retry.
      if (waiters.length) waiting.set(key, [...waiters, ...(waiting.get(key) ?? [])]);
      addAfter(key, delayMs);
    }
  };

  const pump = () => {
    if (!started || stopped) return;
    while (running.size < concurrency && queue.length > 0) {
      const key = queue.shift()!;
      queued.delete(key);
      processing.add(key);
      const task: Promise<void> = runOne(key).finally(() => {
        processing.delete(key);
        running.delete(task);
        if (dirty.delete(key)) add(key);
        pump();
      });
      running.add(task);
    }
  };

  return {
    add,
    addAfter,
    addAndWait(key, timeoutMs = 30_000) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const list = waiting.get(key);
          if (list)
            waiting.set(
              key,
              list.filter((w) => w !== waiter),
            );
          reject(new Error(`no successful reconcile of ${key} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter: Waiter = {
          resolve: () => (clearTimeout(timer), resolve()),
          reject: (err) => (clearTimeout(timer), reject(err)),
        };
        // A run in progress has taken its waiters already; add() marks the key dirty, so a fresh run follows.
        waiting.set(key, [...(waiting.get(key) ?? []), waiter]);
        add(key);
      });
    },
    get length() {
      return queue.length;
    },
    start() {
      started = true;
      pump();
    },
    async stop() {
      stopped = true;
      for (const { timer } of delayed.values()) clearTimeout(timer);
      delayed.clear();
      await Promise.allSettled([...running]);
      for (const list of waiting.values()) for (const w of list) w.reject(new Error('the queue stopped'));
      waiting.clear();
    },
  };
}
