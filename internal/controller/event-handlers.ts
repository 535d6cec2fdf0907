// What the controller does with events: requests become EnhancementJobs (named by the request, so a
// redelivered or re-published request creates nothing new), cancel requests set spec.cancel, and worker
// reports are folded into status by a reconcile before they are acknowledged.
import { ZodError } from 'zod';
import type { AnyEvent, EventOf } from '../events/catalog.ts';
import {
  ack,
  reject,
  retry,
  type Delivery,
  type EventPublisher,
  type HandlerOutcome,
} from '../ports/event-bus.ts';
import { ResourceExistsError, isConflict, type ResourceStore } from '../ports/resource-store.ts';
import { JobName, isTerminal, newEnhancementJob, type EnhancementJob } from '../resources/enhancement-job.ts';
import type { Logger } from '../telemetry/logger.ts';
import { FINALIZER } from './reasons.ts';
import type { WorkQueue } from './work-queue.ts';
import type { WorkerReports } from './worker-reports.ts';
import { CONTROLLER_SOURCE } from '../jobs/job-view.ts';
import { ValidationError } from '../errors/errors.ts';

export interface EventHandlerDeps {
  store: ResourceStore;
  cache: { get(name: string): EnhancementJob | undefined };
  queue: WorkQueue;
  reports: WorkerReports;
  logger: Logger;
  /** Throws a ValidationError when a request's model or scale cannot run (absent: the worker says so). */
  checkModel?: ((model: string, scale: number | undefined) => Promise<void>) | undefined;
  /** Where a refused request's failure is announced, so that its job reads as Failed with the reason. */
  publisher?: EventPublisher;
  /** How long a terminal report waits for its reconcile before asking for redelivery (default 20 000 ms). */
  settleTimeoutMs?: number;
}

/** The handler for pf.enhancement.* (requests and cancellations). */
export function createRequestHandler({ store, logger, checkModel, publisher }: EventHandlerDeps) {
  return async function handleRequest({ event }: Delivery): Promise<HandlerOutcome> {
    if (event.type === 'pf.enhancement.requested') return createFromRequest(event);
    if (event.type === 'pf.enhancement.cancel_requested') return cancelFromRequest(event);
    return ack;
  };

  async function createFromRequest(event: EventOf<'pf.enhancement.requested'>): Promise<HandlerOutcome> {
    const { jobId, spec } = event.data;
    const name = JobName.safeParse(jobId);
    if (!name.success) return reject(`jobId ${JSON.stringify(jobId)}: ${name.error.issues[0]!.message}`);
    try {
      await checkModel?.(spec.model, spec.scale);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // The request is in the stream, so the jobs read model already shows the job: end it there too.
      await publisher?.publish(
        'pf.job.failed',
        jobId,
        { jobId, code: 'invalid_request', reason: err.message.slice(0, 2000), retryable: false },
        { id: `${jobId}-invalid-request` },
      );
      logger.warn('request refused', { job: jobId, reason: err.message });
      return reject(`invalid request: ${err.message}`);
    }
    try {
      const job = newEnhancementJob(jobId, spec, { 'pixelforge.io/requested-via': 'event' });
      job.metadata.annotations = { 'pixelforge.io/request-id': event.id, 'pixelforge.io/actor': event.actor };
      // Born with the finalizer: saves the reconciler a write per job (kubectl-made jobs get it there).
      job.metadata.finalizers = [FINALIZER];
      await store.create(job);
      logger.info('job created from a request', { job: jobId, actor: event.actor });
    } catch (err) {
      if (err instanceof ResourceExistsError) return ack;
      if (err instanceof ZodError) return reject(`invalid request: ${err.issues[0]?.message ?? err.message}`);
      throw err;
    }
    return ack;
  }

  async function cancelFromRequest(
    event: EventOf<'pf.enhancement.cancel_requested'>,
  ): Promise<HandlerOutcome> {
    const job = await store.get(event.data.jobId);
    // Requests are handled concurrently, so a cancel may overtake its request: wait for the job to exist.
    if (!job) return retry(`job ${event.data.jobId} does not exist (yet)`, 1000);
    if (job.spec.cancel || isTerminal(job.status?.phase)) return ack;
    try {
      await store.update({ ...job, spec: { ...job.spec, cancel: true } });
      logger.info('cancel requested', { job: job.metadata.name, actor: event.actor });
      return ack;
    } catch (err) {
      if (isConflict(err)) return retry('the job changed while cancelling it', 100);
      throw err;
    }
  }
}

/** The handler for pf.job.* from workers: progress is recorded, terminal reports are written before the ack. */
export function createReportHandler(deps: EventHandlerDeps) {
  const { cache, queue, reports } = deps;
  const settleTimeoutMs = deps.settleTimeoutMs ?? 20_000;
  return async function handleReport({ event, working }: Delivery): Promise<HandlerOutcome> {
    if (event.source === CONTROLLER_SOURCE || !('jobId' in event.data)) return ack;
    const name = (event.data as { jobId: string }).jobId;
    if (!recordReport(reports, event)) return ack;
    if (event.type === 'pf.job.progress') {
      queue.add(name);
      return ack;
    }
    // Terminal reports: acknowledge only once status carries them, so a controller restart cannot lose them.
    const deadline = Date.now() + settleTimeoutMs;
    while (Date.now() < deadline) {
      await queue.addAndWait(name, settleTimeoutMs).catch(() => {});
      const job = cache.get(name);
      if (!job || settled(job, event)) return ack;
      working();
      await new Promise((r) => setTimeout(r, 250));
    }
    return retry(`job ${name} has not settled yet`, 2000);
  };
}

function recordReport(reports: WorkerReports, event: AnyEvent): boolean {
  switch (event.type) {
    case 'pf.job.progress': {
      const { done, total, unit } = event.data;
      reports.record(event.data.jobId, { progress: { done, total, unit } });
      return true;
    }
    case 'pf.job.succeeded':
      reports.record(event.data.jobId, { output: event.data.output });
      return true;
    case 'pf.job.failed': {
      const { code, reason, retryable } = event.data;
      reports.record(event.data.jobId, { failure: { code, reason, retryable } });
      return true;
    }
    case 'pf.job.cancelled':
      reports.record(event.data.jobId, { cancelled: true });
      return true;
    default:
      return false;
  }
}

/** True once the job's status reflects the terminal report (or the job moved past it). */
function settled(job: EnhancementJob, event: AnyEvent): boolean {
  const phase = job.status?.phase;
  if (event.type === 'pf.job.succeeded')
    return phase === 'Succeeded' ? !!job.status?.output : isTerminal(phase);
  // A failure or a cancellation is settled when the controller has acted on the attempt's end.
  return isTerminal(phase) || !!job.status?.retryAt;
}
