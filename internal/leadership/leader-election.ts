// Leader election over a LeaseLock (client-go's algorithm): acquire a free or expired lease, renew it every
// retry period, and give up leadership when renewals fail for longer than the renew deadline. Expiry is
// judged by the local clock from when this process last saw the record change, so clock skew is harmless.
import type { LeaseLock, LeaseRecord } from '../ports/lease-lock.ts';
import type { Logger } from '../telemetry/logger.ts';

/** Options of {@link createLeaderElector}; durations in ms. */
export interface LeaderElectorOptions {
  lock: LeaseLock;
  /** Unique per process, e.g. `<pod name>_<random>`. */
  identity: string;
  /** How long a claim lasts without renewal (default 15 000). */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down (default 10 000). */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew (default 2000). */
  retryPeriodMs?: number;
  /** Starts the leader's work; leadership is kept while it runs. */
  onStartedLeading(): Promise<void>;
  /** Stops the leader's work (lost the lease, or stopping). */
  onStoppedLeading(): Promise<void>;
  logger: Logger;
}

export interface LeaderElector {
  readonly isLeader: boolean;
  /** Campaigns in the background until `stop()`. */
  start(): void;
  /** Stops leading (if leading), releases the lease so a standby takes over at once, and stops campaigning. */
  stop(): Promise<void>;
}

/** Creates an elector; nothing happens until `start()`. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  const { lock, identity, onStartedLeading, onStoppedLeading, logger } = options;
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2000;
  const log = logger.child({ lease: lock.description, identity });
  let leader = false;
  let stopped = false;
  let lastRenewal = 0;
  let observed: { key: string; at: number } | undefined;
  let wake: () => void = () => {};
  let loop: Promise<void> | undefined;
  let transition: Promise<void> = Promise.resolve();

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = Date.now();
    const stamp = new Date(now).toISOString();
    const current = await lock.get();
    if (!current) {
      return lock.create({
        holder: identity,
        acquiredAt: stamp,
        renewedAt: stamp,
        durationMs: leaseDurationMs,
        transitions: 0,
      });
    }
    const { record, version } = current;
    const key = `${record.holder}|${record.renewedAt}`;
    if (observed?.key !== key) observed = { key, at: now };
    if (record.holder && record.holder !== identity && observed.at + record.durationMs > now) return false;
    const next: LeaseRecord =
      record.holder === identity
        ? { ...record, renewedAt: stamp, durationMs: leaseDurationMs }
        : {
            holder: identity,
            acquiredAt: stamp,
            renewedAt: stamp,
            durationMs: leaseDurationMs,
            transitions: record.transitions + 1,
          };
    return lock.update(next, version);
  };

  const setLeader = (value: boolean) => {
    if (leader === value) return;
    leader = value;
    log.info(value ? 'became leader' : 'stopped leading');
    const change = value ? onStartedLeading : onStoppedLeading;
    transition = transition
      .then(change)
      .catch((err: Error) => log.error('leadership transition failed', { err }));
  };

  const run = async () => {
    while (!stopped) {
      const ok = await tryAcquireOrRenew().catch((err: Error) => {
        log.warn('could not reach the lease', { err });
        return false;
      });
      if (stopped) break;
      if (ok) {
        lastRenewal = Date.now();
        setLeader(true);
      } else if (leader && Date.now() - lastRenewal > renewDeadlineMs) {
        setLeader(false);
      } else if (leader && observed && !observed.key.startsWith(`${identity}|`)) {
        // Someone else holds it now (our renewal lost a race): two leaders must never overlap.
        setLeader(false);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryPeriodMs);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  };

  return {
    get isLeader() {
      return leader;
    },
    start() {
      loop ??= run();
    },
    async stop() {
      stopped = true;
      wake();
      await loop;
      const wasLeader = leader;
      setLeader(false);
      await transition;
      if (!wasLeader) return;
      try {
        const current = await lock.get();
        if (current?.record.holder === identity) {
          const stamp = new Date().toISOString();
          await lock.update(
            { ...current.record, holder: '', renewedAt: stamp, durationMs: 1 },
            current.version,
          );
        }
      } catch (err) {
        log.warn('could not release the lease; it expires on its own', { err: err as Error });
      }
    },
  };
}
