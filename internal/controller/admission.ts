// The cap on running jobs: which pending job may start a workload now, highest priority first (then the
// oldest), decided synchronously from the informer's mirror plus in-flight reservations, so two
// concurrent reconciles can never both take the last slot.
import { isTerminal, type EnhancementJob } from '../resources/enhancement-job.ts';

/** Options of {@link createAdmission}. */
export interface AdmissionOptions {
  /** Jobs with a workload at once (Scheduled or Running). */
  maxRunning: number;
  /** Every job the controller knows (the informer's mirror). */
  jobs(): Iterable<EnhancementJob>;
  now?: () => number;
}

export interface Admission {
  /** True, and a slot reserved, when `job` may create the workload of its next attempt now. */
  tryAdmit(job: EnhancementJob): boolean;
  /** Gives back the reservation of a job whose workload could not be created. */
  release(name: string): void;
  /** The names of the pending jobs that would be admitted next, for as many slots as are free. */
  nextCandidates(): string[];
  /** Jobs holding a slot now. */
  active(): number;
}

// A job being deleted gives its slot back at once: its workload is being removed.
const holdsSlot = (job: EnhancementJob) =>
  !job.metadata.deletionTimestamp && (job.status?.phase === 'Scheduled' || job.status?.phase === 'Running');

/** Orders candidates: priority desc, creation asc, name asc (stable across controllers). */
export function byPriority(a: EnhancementJob, b: EnhancementJob): number {
  return (
    b.spec.priority - a.spec.priority ||
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
    a.metadata.name.localeCompare(b.metadata.name)
  );
}

/** Creates the admission gate. */
export function createAdmission({ maxRunning, jobs, now = Date.now }: AdmissionOptions): Admission {
  /** name → the attempt it was admitted for; kept until the mirror shows that attempt's status. */
  const reserved = new Map<string, number>();

  const snapshot = () => {
    const all = [...jobs()];
    const byName = new Map(all.map((j) => [j.metadata.name, j]));
    for (const [name, attempt] of reserved) {
      const job = byName.get(name);
      if (!job || isTerminal(job.status?.phase) || (job.status?.attempts ?? 0) >= attempt)
        reserved.delete(name);
    }
    const holding = all.filter((j) => holdsSlot(j) && !reserved.has(j.metadata.name)).length + reserved.size;
    const candidates = all
      .filter((j) => isCandidate(j, now()) && !reserved.has(j.metadata.name))
      .sort(byPriority);
    return { holding, candidates, free: Math.max(0, maxRunning - holding) };
  };

  return {
    tryAdmit(job) {
      const name = job.metadata.name;
      if (reserved.has(name)) return true;
      const { candidates, free } = snapshot();
      const rank = candidates.findIndex((c) => c.metadata.name === name);
      // A job the mirror has not seen yet ranks last among what is known.
      const position = rank === -1 ? candidates.length : rank;
      if (position >= free) return false;
      reserved.set(name, (job.status?.attempts ?? 0) + 1);
      return true;
    },
    release(name) {
      reserved.delete(name);
    },
    nextCandidates() {
      const { candidates, free } = snapshot();
      return candidates.slice(0, free).map((j) => j.metadata.name);
    },
    active: () => snapshot().holding,
  };
}

/** A job waiting for a slot: not finished, not cancelled or deleting, not backing off. */
function isCandidate(job: EnhancementJob, now: number): boolean {
  const phase = job.status?.phase;
  if (phase !== undefined && phase !== 'Pending') return false;
  if (job.spec.cancel || job.metadata.deletionTimestamp) return false;
  const retryAt = job.status?.retryAt;
  return !retryAt || Date.parse(retryAt) <= now;
}
