// Caps on concurrent downloads: so many in all, and so many per host, so that no site is hammered. Waiting
// tasks start in the order they asked, per host; a host that asks to be left alone (429 or 503 with
// Retry-After) is paused until then, and its queue waits while other hosts go on. A task may give its slots
// back before it ends (a body that has arrived, still being stored), and the next starts; but no more than
// `global + finishing` tasks are alive at once, or a store slower than the network would pile up bodies in memory.
export interface HostLimiter {
  /**
   * Runs `task` once a global slot and a slot of `host` are free. The slots are given back when the task
   * ends, or earlier when it calls `release` (a download whose body has arrived, still being stored).
   */
  run<T>(host: string, task: (release: () => void) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Starts nothing more on `host` for `ms`. */
  pause(host: string, ms: number): void;
  /** Downloads running now, per host: for the in-flight gauge. */
  inFlight(): Map<string, number>;
  /** Tasks waiting for a slot. */
  queued(): number;
  /** Tasks that gave their slots back and have not ended yet. */
  finishing(): number;
}

interface Waiting {
  start: () => void;
  /** False once aborted: left in its queue, skipped when reached (cheaper than finding it in a long queue). */
  live: boolean;
}

interface Queue {
  tasks: Waiting[];
  head: number;
}

/**
 * Each host has its own queue, so a pass over the waiting tasks costs the number of hosts, not of tasks: an
 * import queues all its URLs at once. Hosts take turns for free global slots.
 */
export function createHostLimiter({
  global,
  perHost,
  finishing: maxFinishing = global,
  now = () => Date.now(),
}: {
  global: number;
  perHost: number;
  /** How many more tasks than `global` may be alive, finishing after an early release (default: `global`). */
  finishing?: number;
  now?: () => number;
}): HostLimiter {
  let running = 0;
  let queued = 0;
  let finishing = 0;
  const full = () => running >= global || running + finishing >= global + maxFinishing;
  const perHostRunning = new Map<string, number>();
  const pausedUntil = new Map<string, number>();
  // Hosts with waiting tasks, in turn order; a queue is an array read from `head` on.
  const queues = new Map<string, Queue>();
  let wakeTimer: ReturnType<typeof setTimeout> | undefined;

  const nextLive = (queue: Queue): Waiting | undefined => {
    while (queue.head < queue.tasks.length && !queue.tasks[queue.head]!.live) queue.head++;
    return queue.tasks[queue.head];
  };

  const pump = () => {
    let soonest = Infinity;
    for (const [host, queue] of [...queues]) {
      if (full()) break;
      const until = pausedUntil.get(host) ?? 0;
      if (until > now()) {
        soonest = Math.min(soonest, until);
        continue;
      }
      let next: Waiting | undefined;
      while (!full() && (perHostRunning.get(host) ?? 0) < perHost && (next = nextLive(queue))) {
        queue.head++;
        queued--;
        next.start();
      }
      // Its turn is over: to the back of the line, or out when nothing of it waits.
      queues.delete(host);
      if (nextLive(queue)) queues.set(host, queue);
      if (queue.head > 1024 && queue.head * 2 > queue.tasks.length) {
        queue.tasks = queue.tasks.slice(queue.head);
        queue.head = 0;
      }
    }
    // A paused host's tasks start when its pause ends, even if nothing else finishes meanwhile.
    clearTimeout(wakeTimer);
    if (Number.isFinite(soonest)) wakeTimer = setTimeout(pump, Math.max(0, soonest - now())).unref?.();
  };

  return {
    run(host, task, signal) {
      return new Promise((resolve, reject) => {
        let released = false;
        let ended = false;
        const release = () => {
          if (released) return;
          released = true;
          running--;
          const left = perHostRunning.get(host)! - 1;
          if (left) perHostRunning.set(host, left);
          else perHostRunning.delete(host);
          if (!ended) finishing++;
          pump();
        };
        const end = () => {
          ended = true;
          if (!released) return release();
          finishing--;
          pump();
        };
        const entry: Waiting = {
          live: true,
          start: () => {
            running++;
            perHostRunning.set(host, (perHostRunning.get(host) ?? 0) + 1);
            signal?.removeEventListener('abort', onAbort);
            task(release).finally(end).then(resolve, reject);
          },
        };
        const onAbort = () => {
          if (entry.live) queued--;
          entry.live = false;
          reject(signal!.reason ?? new Error('aborted'));
        };
        if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        let queue = queues.get(host);
        if (!queue) queues.set(host, (queue = { tasks: [], head: 0 }));
        queue.tasks.push(entry);
        queued++;
        pump();
      });
    },
    pause(host, ms) {
      pausedUntil.set(host, Math.max(pausedUntil.get(host) ?? 0, now() + ms));
    },
    inFlight: () => new Map(perHostRunning),
    queued: () => queued,
    finishing: () => finishing,
  };
}
