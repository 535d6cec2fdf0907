// Retries with exponential backoff and full jitter, for failures that say trying again may help; a wait
// the server asked for (Retry-After) is honoured when it is longer than the backoff.
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

const MAX_RETRY_AFTER_MS = 300_000;

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 500, maxMs: 30_000 };

/** The wait before try `attempt + 1` (attempt counts from 1): random in [0, min(max, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export interface RetryableError {
  retryable: boolean;
  retryAfterMs?: number | undefined;
}

/**
 * Runs `task` until it succeeds, fails for good, or runs out of attempts; resolves with its value and the
 * attempts made, or rejects with the last error (its `attempts` set).
 */
export async function withRetries<T>(
  task: (attempt: number) => Promise<T>,
  {
    policy = DEFAULT_RETRY,
    signal,
    isRetryable = (err: unknown) => (err as RetryableError | undefined)?.retryable === true,
    onRetry,
    sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      }),
  }: {
    policy?: RetryPolicy;
    signal?: AbortSignal;
    isRetryable?: (err: unknown) => boolean;
    onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
    sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<{ value: T; attempts: number }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await task(attempt), attempts: attempt };
    } catch (err) {
      if (signal?.aborted || attempt >= policy.attempts || !isRetryable(err)) {
        if (err && typeof err === 'object') Object.assign(err, { attempts: attempt });
        throw err;
      }
      const asked = (err as RetryableError).retryAfterMs;
      // A server asking for more than five minutes is taken at five: the import should not stall for hours.
      const wait = Math.max(backoffMs(attempt, policy), Math.min(asked ?? 0, MAX_RETRY_AFTER_MS));
      onRetry?.(err, attempt, wait);
      await sleep(wait);
    }
  }
}
