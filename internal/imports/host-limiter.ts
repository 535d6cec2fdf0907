// Caps on concurrent downloads: so many in all, and so many per host, so that no site is hammered. Waiting
// tasks start in the order they asked, per host; a host that asks to be left alone (429 or 503 with
// Retry-After) is paused until then, and its queue waits while other hosts go on.
export interface HostLimiter {
  /** Runs `task` once a global slot and a slot of `host` are free. */
  run<T>(host: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Starts nothing more on `host` for `ms`. */
  pause(host: string, ms: number): void;
  /** Downloads running now, per host: for the in-flight gauge. */
  inFlight(): Map<string, number>;
  /** Tasks waiting for a slot. */
  queued(): number;
}

export function createHostLimiter({
  global,
  perHost,
  now = () => Date.now(),
}: {
  global: number;
  perHost: number;
  now?: () => number;
}): HostLimiter {
  let running = 0;
  const perHostRunning = new Map<string, number>();
  const pausedUntil = new Map<string, number>();
  const waiting: { host: string; start: () => void }[] = [];
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;

  const free = (host: string) =>
    running < global && (perHostRunning.get(host) ?? 0) < perHost && (pausedUntil.get(host) ?? 0) <= now();

  const pump = () => {
    for (let i = 0; i < waiting.length && running < global;) {
      const next = waiting[i]!;
      if (free(next.host)) {
        waiting.splice(i, 1);
        next.start();
      } else i++;
    }
    // A paused host's tasks start when its pause ends, even if nothing else finishes meanwhile.
    const soonest = Math.min(...waiting.map((w) => pausedUntil.get(w.host) ?? Infinity));
    clearTimeout(wakeTimer);
    if (Number.isFinite(soonest)) wakeTimer = setTimeout(pump, Math.max(0, soonest - now())).unref?.();
  };

  return {
    run(host, task, signal) {
      return new Promise((resolve, reject) => {
        const start = () => {
          running++;
          perHostRunning.set(host, (perHostRunning.get(host) ?? 0) + 1);
          signal?.removeEventListener('abort', onAbort);
          task()
            .then(resolve, reject)
            .finally(() => {
              running--;
              const left = perHostRunning.get(host)! - 1;
              if (left) perHostRunning.set(host, left);
              else perHostRunning.delete(host);
              pump();
            });
        };
        const entry = { host, start };
        const onAbort = () => {
          const at = waiting.indexOf(entry);
          if (at >= 0) waiting.splice(at, 1);
          reject(signal!.reason ?? new Error('aborted'));
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiting.push(entry);
        pump();
      });
    },
    pause(host, ms) {
      pausedUntil.set(host, Math.max(pausedUntil.get(host) ?? 0, now() + ms));
    },
    inFlight: () => new Map(perHostRunning),
    queued: () => waiting.length,
  };
}
