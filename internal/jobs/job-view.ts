// The jobs read model as a pure fold over lifecycle events: what `GET /v1/enhancements/:id` shows.
import type { z } from 'zod';
import type { AnyEvent, JobOutput } from '../events/catalog.ts';
import type { EnhancementSpec } from './spec.ts';

export type JobViewPhase = 'Pending' | 'Scheduled' | 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';

export interface JobView {
  /** The job id: the EnhancementJob's name. */
  id: string;
  imageId: string | null;
  videoId: string | null;
  model: string | null;
  spec: EnhancementSpec | null;
  phase: JobViewPhase;
  progress: { done: number; total: number; unit: string } | null;
  attempts: number;
  cancelRequested: boolean;
  output: z.infer<typeof JobOutput> | null;
  error: { code: string; reason: string; retryable: boolean } | null;
  /** How the attempt that succeeded ran: its time, and the provider and device of its worker. */
  run: { durationMs: number; provider: string | null; device: string | null } | null;
  requestedBy: string | null;
  createdAt: Date;
  scheduledAt: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  updatedAt: Date;
  /** Stream sequence of the last event applied: the idempotence guard. */
  lastSeq: number;
}

/** The `source` of the controller's events: its word on a job's end is final, a worker's may not be. */
export const CONTROLLER_SOURCE = 'pixelforge/controller';

const TERMINAL = new Set<JobViewPhase>(['Succeeded', 'Failed', 'Cancelled']);

/** The events that change a job's view. */
export const JOB_VIEW_EVENTS = [
  'pf.enhancement.requested',
  'pf.enhancement.cancel_requested',
  'pf.job.scheduled',
  'pf.job.started',
  'pf.job.progress',
  'pf.job.succeeded',
  'pf.job.failed',
  'pf.job.cancelled',
] as const;

function fresh(id: string, at: Date, seq: number): JobView {
  return {
    id,
    imageId: null,
    videoId: null,
    model: null,
    spec: null,
    phase: 'Pending',
    progress: null,
    attempts: 0,
    cancelRequested: false,
    output: null,
    error: null,
    run: null,
    requestedBy: null,
    createdAt: at,
    scheduledAt: null,
    startedAt: null,
    completedAt: null,
    updatedAt: at,
    lastSeq: seq,
  };
}

const withSpec = (view: JobView, spec: EnhancementSpec): JobView => ({
  ...view,
  spec,
  model: spec.model,
  imageId: 'imageId' in spec.source ? spec.source.imageId : null,
  videoId: 'videoId' in spec.source ? spec.source.videoId : null,
});

/**
 * Applies `event` (at stream sequence `seq`) to `view`; null when the event does not concern jobs.
 * An event at or before `view.lastSeq` returns the view unchanged, so a replay changes nothing.
 */
export function applyJobEvent(view: JobView | null, event: AnyEvent, seq: number): JobView | null {
  if (!(JOB_VIEW_EVENTS as readonly string[]).includes(event.type)) return null;
  const id = (event.data as { jobId: string }).jobId;
  if (view && seq <= view.lastSeq) return view;
  const at = new Date(event.time);
  const base: JobView = { ...(view ?? fresh(id, at, seq)), lastSeq: seq, updatedAt: at };
  const finished = TERMINAL.has(base.phase);
  switch (event.type) {
    case 'pf.enhancement.requested':
      return {
        ...withSpec(base, event.data.spec),
        requestedBy: event.actor,
        createdAt: view?.createdAt ?? at,
      };
    case 'pf.enhancement.cancel_requested':
      return { ...base, cancelRequested: true };
    case 'pf.job.scheduled': {
      const next = event.data.spec && !base.spec ? withSpec(base, event.data.spec) : base;
      return {
        ...next,
        // A job made with kubectl is first seen here: the controller's event names its owner.
        requestedBy: base.requestedBy ?? (event.actor === 'system' ? null : event.actor),
        attempts: Math.max(base.attempts, event.data.attempt),
        scheduledAt: at,
        ...(finished ? {} : { phase: 'Scheduled' as const, progress: null }),
      };
    }
    case 'pf.job.started':
      // A late report of an earlier attempt must not move a retried job back to Running.
      if (finished || event.data.attempt < base.attempts) return base;
      return { ...base, phase: 'Running', startedAt: base.startedAt ?? at };
    case 'pf.job.progress': {
      if (finished) return base;
      const { done, total, unit } = event.data;
      return { ...base, phase: 'Running', progress: { done, total, unit }, startedAt: base.startedAt ?? at };
    }
    case 'pf.job.succeeded': {
      const total = base.progress?.total;
      return {
        ...base,
        phase: 'Succeeded',
        output: event.data.output,
        run: {
          durationMs: event.data.durationMs,
          provider: event.data.provider ?? null,
          device: event.data.device ?? null,
        },
        imageId: base.imageId ?? event.data.imageId ?? null,
        error: null,
        completedAt: at,
        progress: total && base.progress ? { ...base.progress, done: total } : base.progress,
      };
    }
    case 'pf.job.failed': {
      const { code, reason, retryable } = event.data;
      // A retryable failure is one attempt's end: the controller decides whether the job goes on.
      if (retryable || base.phase === 'Succeeded') return { ...base, error: { code, reason, retryable } };
      return {
        ...base,
        phase: 'Failed',
        error: { code, reason, retryable },
        completedAt: base.completedAt ?? at,
      };
    }
    case 'pf.job.cancelled':
      // A worker stopped by SIGTERM says "cancelled" too, but a drained node is retried, not cancelled.
      if (event.source !== CONTROLLER_SOURCE) return base;
      if (base.phase === 'Succeeded' || base.phase === 'Failed') return base;
      return { ...base, phase: 'Cancelled', completedAt: base.completedAt ?? at };
    default:
      return null;
  }
}
