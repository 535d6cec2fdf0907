// The EventRecorder port: what happened to a resource, for the people looking at it (`kubectl describe`
// lists these as Events, as for every built-in controller). Best effort: recording never fails a reconcile.
import type { EnhancementJob } from '../resources/enhancement-job.ts';

export interface EventRecorder {
  /** Records one event about `job`; never throws and never waits for the server. */
  record(job: EnhancementJob, event: { type: 'Normal' | 'Warning'; reason: string; note: string }): void;
}

/** For stores that have no event API (local mode): the status and the NATS lifecycle events remain. */
export const noEvents: EventRecorder = { record() {} };
