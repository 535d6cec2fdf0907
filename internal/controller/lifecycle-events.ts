// The lifecycle events the controller publishes. Ids are derived from the job (and attempt), so a
// reconcile retried after a conflict or a restart publishes each fact once (JetStream de-duplicates).
import type { EventPublisher } from '../ports/event-bus.ts';
import type { EnhancementJob } from '../resources/enhancement-job.ts';

export interface LifecycleEvents {
  scheduled(job: EnhancementJob, attempt: number, workload: string): Promise<void>;
  /** The attempt's workload is running: the API shows Running before the worker's first progress. */
  started(job: EnhancementJob, attempt: number, workload: string): Promise<void>;
  cancelled(job: EnhancementJob, reason: string): Promise<void>;
  /** The job failed for good (the worker's own pf.job.failed may have said it was retryable). */
  failed(job: EnhancementJob, code: string, reason: string): Promise<void>;
}

/** The annotation by which a job made with kubectl names its Pixelforge owner (e.g. `user:<id>`). */
export const OWNER_ANNOTATION = 'pixelforge.io/owner';

/**
 * Who owns a job: the requester of a job made from an API request, the owner its annotation names, else the
 * cluster identity (a job made with kubectl; admins and reviewers see it). The scheduled event carries it as
 * its actor, which is how the jobs read model learns the owner of a job it never saw requested.
 */
export function jobOwner(job: EnhancementJob): string {
  const annotations = job.metadata.annotations ?? {};
  const named = annotations[OWNER_ANNOTATION] ?? annotations['pixelforge.io/actor'];
  return named !== undefined && /^(user|key):[A-Za-z0-9._@-]{1,100}$/.test(named) ? named : 'cluster';
}

/** Lifecycle events over `publisher`. */
export function createLifecycleEvents(publisher: EventPublisher): LifecycleEvents {
  return {
    async scheduled(job, attempt, workload) {
      const jobId = job.metadata.name;
      await publisher.publish(
        'pf.job.scheduled',
        jobId,
        { jobId, attempt, spec: job.spec, workload },
        { id: `${jobId}-a${attempt}-scheduled`, actor: jobOwner(job) },
      );
    },
    async started(job, attempt, workload) {
      const jobId = job.metadata.name;
      await publisher.publish(
        'pf.job.started',
        jobId,
        { jobId, attempt, workload },
        { id: `${jobId}-a${attempt}-started` },
      );
    },
    async cancelled(job, reason) {
      const jobId = job.metadata.name;
      await publisher.publish('pf.job.cancelled', jobId, { jobId, reason }, { id: `${jobId}-cancelled` });
    },
    async failed(job, code, reason) {
      const jobId = job.metadata.name;
      await publisher.publish(
        'pf.job.failed',
        jobId,
        { jobId, code, reason: reason.slice(0, 2000) || code, retryable: false },
        { id: `${jobId}-failed` },
      );
    },
  };
}
