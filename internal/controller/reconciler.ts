// Reconciles one EnhancementJob in the controller-runtime shape: get → deletion (finalizer) → add the
// finalizer → ensure the workload → derive status from what is observed → at most one status write.
import type { EventRecorder } from '../ports/event-recorder.ts';
import { isConflict, type ResourceStore } from '../ports/resource-store.ts';
import type { WorkloadRuntime } from '../ports/workload-runtime.ts';
import { isTerminal, type EnhancementJob, type EnhancementJobStatus } from '../resources/enhancement-job.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Admission } from './admission.ts';
import { applyPhaseConditions, type PhaseDetail } from './job-conditions.ts';
import type { LifecycleEvents } from './lifecycle-events.ts';
import { FINALIZER } from './reasons.ts';
import type { RetryPolicy } from './failure-policy.ts';
import type { WorkerReports } from './worker-reports.ts';
import type { ReconcileResult } from './work-queue.ts';
import { syncWorkload } from './sync-workload.ts';

/** The mirror the reconciler reads from, and tells about its own writes. */
export interface JobCache {
  get(name: string): EnhancementJob | undefined;
  /** Stores a job the reconciler just wrote, so its next read is not older than its own write. */
  remember(job: EnhancementJob): void;
}

export interface ReconcilerDeps {
  store: ResourceStore;
  cache: JobCache;
  runtime: WorkloadRuntime;
  admission: Admission;
  reports: WorkerReports;
  events: LifecycleEvents;
  /** Events for `kubectl describe`, one per phase change. */
  recorder: EventRecorder;
  retry: RetryPolicy;
  /** Least time between two status writes that only move progress, in ms. */
  progressIntervalMs: number;
  /** The running-jobs cap, for messages. */
  maxRunning: number;
  /** Checks a new job's model and scale before its first workload (absent: the worker checks). */
  checkModel?: ((model: string, scale: number | undefined) => Promise<void>) | undefined;
  logger: Logger;
  now?: () => Date;
}

/** What one pass decided, for the status write. */
export interface ReconcileContext {
  job: EnhancementJob;
  status: EnhancementJobStatus;
  detail: PhaseDetail;
  now: Date;
  result: ReconcileResult;
}

export type Reconciler = (name: string) => Promise<ReconcileResult>;

/** Creates the reconcile function the work queue calls with a job's name. */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { store, cache, runtime, reports, events, recorder, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const progressWrittenAt = new Map<string, number>();

  const write = async (job: EnhancementJob, kind: 'update' | 'status'): Promise<EnhancementJob | null> => {
    try {
      const written = kind === 'update' ? await store.update(job) : await store.updateStatus(job);
      // A job whose last finalizer just went is gone; remembering it would resurrect it in the mirror.
      if (!(written.metadata.deletionTimestamp && !written.metadata.finalizers?.length))
        cache.remember(written);
      return written;
    } catch (err) {
      if (!isConflict(err)) throw err;
      // Someone wrote first (or the mirror was behind): read the truth and go round again.
      const fresh = await store.get(job.metadata.name);
      if (fresh) cache.remember(fresh);
      return null;
    }
  };

  const reconcileDelete = async (job: EnhancementJob): Promise<ReconcileResult> => {
    const name = job.metadata.name;
    if (!job.metadata.finalizers?.includes(FINALIZER)) return {};
    await runtime.remove(name);
    if (!isTerminal(job.status?.phase)) await events.cancelled(job, 'the EnhancementJob was deleted');
    const finalizers = job.metadata.finalizers.filter((f) => f !== FINALIZER);
    if (!(await write({ ...job, metadata: { ...job.metadata, finalizers } }, 'update'))) {
      return { requeueAfterMs: 0 };
    }
    deps.admission.release(name);
    reports.forget(name);
    progressWrittenAt.delete(name);
    if (!isTerminal(job.status?.phase)) {
      recorder.record(job, {
        type: 'Normal',
        reason: 'Cancelled',
        note: 'deleted: the workload was removed',
      });
    }
    logger.info('job deleted; workload removed', { job: name });
    return {};
  };

  return async function reconcile(name) {
    const job = cache.get(name) ?? (await store.get(name));
    if (!job) {
      deps.admission.release(name);
      reports.forget(name);
      progressWrittenAt.delete(name);
      return {};
    }
    if (job.metadata.deletionTimestamp) return reconcileDelete(job);
    if (!job.metadata.finalizers?.includes(FINALIZER)) {
      const finalizers = [...(job.metadata.finalizers ?? []), FINALIZER];
      // The write's watch event brings the job back; the requeue covers a watch that is slow to say so.
      await write({ ...job, metadata: { ...job.metadata, finalizers } }, 'update');
      return { requeueAfterMs: 0 };
    }

    const ctx: ReconcileContext = {
      job,
      status: structuredClone(job.status ?? {}),
      detail: { message: job.status?.message ?? '' },
      now: now(),
      result: {},
    };
    try {
      await syncWorkload(ctx, deps);
    } catch (err) {
      deps.admission.release(name);
      throw err;
    }
    return patchStatus(ctx);
  };

  /** The one status write: skipped when nothing changed, delayed when only progress moved too recently. */
  async function patchStatus(ctx: ReconcileContext): Promise<ReconcileResult> {
    const { job, status, detail } = ctx;
    const generation = job.metadata.generation ?? 1;
    applyPhaseConditions(status, detail, generation, ctx.now);
    status.observedGeneration = generation;
    const before = job.status ?? {};
    if (sameStatus(before, status)) return ctx.result;

    const name = job.metadata.name;
    const onlyProgress = sameStatus({ ...before, progress: status.progress }, status);
    if (onlyProgress) {
      const since = ctx.now.getTime() - (progressWrittenAt.get(name) ?? 0);
      if (since < deps.progressIntervalMs) {
        return {
          requeueAfterMs: Math.min(ctx.result.requeueAfterMs ?? Infinity, deps.progressIntervalMs - since),
        };
      }
    }
    const written = await write({ ...job, status }, 'status');
    if (!written) return { requeueAfterMs: 0 };
    if (status.progress) progressWrittenAt.set(name, ctx.now.getTime());
    if (before.phase !== status.phase) {
      recorder.record(written, phaseEvent(status, detail));
      logger.info('phase changed', {
        job: name,
        from: before.phase ?? '-',
        to: status.phase,
        reason: detail.message,
      });
    }
    return ctx.result;
  }
}

/** The Event for entering `status.phase`: named after the phase, a Warning when something went wrong. */
function phaseEvent(status: EnhancementJobStatus, detail: PhaseDetail) {
  const warning = status.phase === 'Failed' || (status.phase === 'Pending' && detail.waiting === 'backoff');
  return {
    type: warning ? ('Warning' as const) : ('Normal' as const),
    reason: detail.waiting === 'backoff' ? 'BackingOff' : (status.phase ?? 'Pending'),
    note: status.message ?? detail.message,
  };
}

/** Deep equality of two statuses as JSON (key order does not matter). */
export function sameStatus(a: EnhancementJobStatus, b: EnhancementJobStatus): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([x], [y]) => x.localeCompare(y)),
        )
      : v,
  );
}
