// The workload phase of a reconcile: cancel, observe the current attempt, retry after a backoff, or start
// the next attempt when admitted; it decides status.phase and leaves the write to the reconciler.
import { workloadName } from '../jobs/workload-name.ts';
import type { WorkloadStatus } from '../ports/workload-runtime.ts';
import { isTerminal } from '../resources/enhancement-job.ts';
import { classifyFailure, retryDelayMs } from './failure-policy.ts';
import { Reason } from './reasons.ts';
import { ValidationError } from '../errors/errors.ts';
import type { ReconcileContext, ReconcilerDeps } from './reconciler.ts';
import type { WorkerReport } from './worker-reports.ts';

type Deps = Pick<
  ReconcilerDeps,
  'runtime' | 'admission' | 'reports' | 'events' | 'retry' | 'maxRunning' | 'logger' | 'checkModel'
>;

/** Moves `ctx.status` on from what the runtime and the worker's reports say. */
export async function syncWorkload(ctx: ReconcileContext, deps: Deps): Promise<void> {
  const { job, status } = ctx;
  const name = job.metadata.name;
  const report = deps.reports.get(name);

  if (isTerminal(status.phase)) {
    // A worker's success report can arrive after the Job completed: fold the output in late.
    if (status.phase === 'Succeeded' && !status.output && report?.output) status.output = report.output;
    ctx.detail = { ...ctx.detail, message: status.message ?? '' };
    keepTerminalDetail(ctx);
    return;
  }

  if (job.spec.cancel) {
    await deps.runtime.remove(name);
    await deps.events.cancelled(job, 'spec.cancel was set');
    finish(ctx, 'Cancelled');
    ctx.detail = { cancelReason: Reason.CancelRequested, message: 'cancelled: spec.cancel was set' };
    return;
  }

  const attempt = status.attempts ?? 0;
  if (attempt === 0 && (await refusedSpec(ctx, deps))) return;
  if (attempt > 0 && !status.retryAt) {
    const observed = (await deps.runtime.observe(job, attempt)) ?? lost(status.workload ?? '', attempt);
    const done = await followAttempt(ctx, observed, deps);
    if (done) return;
  }

  if (status.retryAt) {
    const wait = Date.parse(status.retryAt) - ctx.now.getTime();
    if (wait > 0) {
      ctx.result.requeueAfterMs = wait;
      ctx.detail = { waiting: 'backoff', message: status.message ?? '' };
      status.phase = 'Pending';
      return;
    }
  }
  await startNextAttempt(ctx, deps);
}

/**
 * Fails a job whose model or scale no worker has before any workload starts (what `kubectl apply` of a typo
 * meets; the API refuses the same at request time). True when it did.
 */
async function refusedSpec(ctx: ReconcileContext, deps: Deps): Promise<boolean> {
  const { job } = ctx;
  try {
    await deps.checkModel?.(job.spec.model, job.spec.scale);
    return false;
  } catch (err) {
    // Anything but a refusal (the models folder unreadable, say) retries the reconcile.
    if (!(err instanceof ValidationError)) throw err;
    await deps.events.failed(job, 'invalid_spec', err.message);
    finish(ctx, 'Failed');
    ctx.detail = { failureReason: Reason.InvalidSpec, message: `invalid_spec: ${err.message}` };
    return true;
  }
}

/** Updates status from the current attempt's workload; true when nothing more is to be done this pass. */
async function followAttempt(ctx: ReconcileContext, observed: WorkloadStatus, deps: Deps): Promise<boolean> {
  const { job, status } = ctx;
  const name = job.metadata.name;
  const report = deps.reports.get(name);
  switch (observed.state) {
    case 'pending':
      if (report?.progress) return running(ctx, observed, report, deps);
      status.phase = 'Scheduled';
      ctx.detail = { message: observed.message ?? `workload ${observed.name} created` };
      return true;
    case 'running':
      return running(ctx, observed, report, deps);
    case 'succeeded': {
      finish(ctx, 'Succeeded', observed.finishedAt);
      if (report?.output) status.output = report.output;
      if (status.progress)
        status.progress = progressOf(status.progress.total, status.progress.total, status.progress.unit);
      ctx.detail = {
        message: report?.output ? `the output is stored as ${report.output.blobKey}` : 'the worker finished',
      };
      return true;
    }
    case 'failed': {
      const verdict = classifyFailure(observed, report?.failure);
      if (!verdict.retryable || observed.attempt >= deps.retry.maxAttempts) {
        const why = verdict.retryable
          ? `${observed.attempt} attempts failed; the last: ${verdict.message}`
          : verdict.message;
        await deps.events.failed(job, verdict.code, why);
        finish(ctx, 'Failed', observed.finishedAt);
        ctx.detail = { failureReason: verdict.conditionReason, message: `${verdict.code}: ${why}` };
        return true;
      }
      const delay = retryDelayMs(deps.retry, observed.attempt);
      status.retryAt = new Date(ctx.now.getTime() + delay).toISOString();
      status.phase = 'Pending';
      delete status.progress;
      deps.reports.resetAttempt(name);
      ctx.detail = {
        waiting: 'backoff',
        message: `attempt ${observed.attempt} failed (${verdict.code}: ${verdict.message}); next attempt at ${status.retryAt}`,
      };
      ctx.result.requeueAfterMs = delay;
      return true;
    }
  }
}

async function running(
  ctx: ReconcileContext,
  observed: WorkloadStatus,
  report: WorkerReport | undefined,
  deps: Deps,
): Promise<true> {
  const { status } = ctx;
  // Published before the status write, like pf.job.scheduled: a failed publish retries the whole pass.
  if (status.phase !== 'Running') await deps.events.started(ctx.job, observed.attempt, observed.name);
  status.phase = 'Running';
  status.startedAt ??= (observed.startedAt ?? ctx.now).toISOString();
  const progress = report?.progress;
  if (progress) status.progress = progressOf(progress.done, progress.total, progress.unit);
  ctx.detail = { message: 'the worker is running' };
  return true;
}

/** Starts the next attempt when admitted; otherwise the job waits (Pending) for a slot. */
async function startNextAttempt(ctx: ReconcileContext, deps: Deps): Promise<void> {
  const { job, status } = ctx;
  if (!deps.admission.tryAdmit(job)) {
    status.phase = 'Pending';
    ctx.detail = status.retryAt
      ? { waiting: 'backoff', message: status.message ?? '' }
      : { waiting: 'capacity', message: `waiting for a free slot (${deps.maxRunning} jobs may run at once)` };
    return;
  }
  const attempt = (status.attempts ?? 0) + 1;
  // Before the workload exists: once it does, its worker may report at any moment.
  deps.reports.resetAttempt(job.metadata.name);
  const workload = await deps.runtime.create(job, attempt);
  await deps.events.scheduled(job, attempt, workload.name);
  status.attempts = attempt;
  status.workload = workloadName(job.metadata.name, attempt);
  status.scheduledAt = ctx.now.toISOString();
  delete status.retryAt;
  status.phase = 'Scheduled';
  ctx.detail = { message: `workload ${status.workload} created` };
  deps.logger.info('workload created', { job: job.metadata.name, attempt, workload: workload.name });
}

function finish(ctx: ReconcileContext, phase: 'Succeeded' | 'Failed' | 'Cancelled', at?: Date): void {
  ctx.status.phase = phase;
  ctx.status.completedAt = (at ?? ctx.now).toISOString();
  delete ctx.status.retryAt;
}

/** A terminal job keeps the reasons it was given; they are read back from its conditions. */
function keepTerminalDetail(ctx: ReconcileContext): void {
  const phase = ctx.status.phase!;
  const condition = ctx.status.conditions?.find((c) => c.type === phase);
  if (!condition) return;
  if (phase === 'Failed') ctx.detail.failureReason = condition.reason as Reason;
  if (phase === 'Cancelled') ctx.detail.cancelReason = condition.reason as Reason;
}

/** A workload the runtime no longer knows: deleted behind our back, or a local process lost in a restart. */
function lost(name: string, attempt: number): WorkloadStatus {
  return { name, attempt, state: 'failed', reason: 'Lost', message: `workload ${name} disappeared` };
}

/** Progress with the summary `kubectl get ej` shows. */
export function progressOf(done: number, total: number, unit: 'tiles' | 'frames' | 'bytes') {
  return { done, total, unit, summary: `${done}/${total} ${unit}` };
}
