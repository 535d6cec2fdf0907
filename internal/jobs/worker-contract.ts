// How a worker is told what to run and how it reports the end: shared by the worker, the controller
// (which turns exit codes into retries) and the Kubernetes Job's podFailurePolicy.
import { z } from 'zod';
import { EnhancementSpec } from './spec.ts';

/** Exit codes of `cmd/worker`. */
export const WorkerExit = {
  Succeeded: 0,
  /** Something outside the job failed (NATS, MongoDB, out of memory): running it again may work. */
  Retryable: 1,
  /** The job itself cannot succeed (corrupt input, unknown model or scale): never retried. */
  Permanent: 42,
  /** Cancelled before it started (spec.cancel). */
  Cancelled: 43,
  /** Ended by SIGTERM (128 + 15): how a worker stopped by SIGTERM exits, after publishing pf.job.cancelled. */
  Terminated: 143,
} as const;
export type WorkerExit = (typeof WorkerExit)[keyof typeof WorkerExit];

/** The environment a worker reads its job from (besides NATS_URL, MONGO_URL and the model settings). */
export const WorkerJobEnv = z.object({
  PIXELFORGE_JOB_ID: z.string().min(1).max(63),
  /** The EnhancementJob spec as JSON. */
  PIXELFORGE_JOB_SPEC: z.string().transform((text, ctx) => {
    try {
      return EnhancementSpec.parse(JSON.parse(text));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a valid EnhancementJob spec: ${(err as Error).message}` });
      return z.NEVER;
    }
  }),
  PIXELFORGE_JOB_ATTEMPT: z.coerce.number().int().positive().default(1),
});
export type WorkerJob = z.infer<typeof WorkerJobEnv>;

/** The blob key and variant name of a job's output: fixed per job, so a retried attempt replaces its bytes. */
/** Blob metadata naming the job a stored video segment belongs to: the orphan sweep keeps it until the job ends. */
export const SEGMENT_OF = 'segmentOf';

export function jobOutputKey(jobId: string): string {
  return `enhanced-${jobId}`;
}
