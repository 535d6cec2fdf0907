// Rate-limits a job's progress events: a busy tile loop must not flood the bus or the controller.

export interface ProgressReporterOptions {
  /** Publishes one progress event; failures are passed to `onError` and never stop the job. */
  publish(done: number, total: number): Promise<unknown>;
  onError(err: unknown): void;
  /** Least time between two events, in ms (default 500: at most two a second). */
  minIntervalMs?: number;
  now?: () => number;
}

export interface ProgressReporter {
  /** Called after every tile; the final one (`done === total`) is always published. */
  report(done: number, total: number): void;
  /** Resolves once every event reported so far has been published (or has failed). */
  flush(): Promise<void>;
}

/** Creates a reporter that publishes the first step at once, then at most one event per interval. */
export function createProgressReporter({
  publish,
  onError,
  minIntervalMs = 500,
  now = () => performance.now(),
}: ProgressReporterOptions): ProgressReporter {
  let lastAt = -Infinity;
  // One chain, so events reach the bus in the order they were reported.
  let chain: Promise<void> = Promise.resolve();
  return {
    report(done, total) {
      const at = now();
      if (done < total && at - lastAt < minIntervalMs) return;
      lastAt = at;
      chain = chain.then(() => publish(done, total)).then(() => undefined, onError);
    },
    flush: () => chain,
  };
}
