// What a failed attempt means for the job: give up (permanent), or retry after a capped exponential delay.
import { WorkerExit } from '../jobs/worker-contract.ts';
import type { WorkloadStatus } from '../ports/workload-runtime.ts';
import { Reason } from './reasons.ts';

/** What the worker said about its failure (pf.job.failed), when it managed to say it. */
export interface ReportedFailure {
  code: string;
  reason: string;
  retryable: boolean;
}

export interface FailureVerdict {
  retryable: boolean;
  /** Stable code for events and the read model, e.g. `corrupt_image`, `deadline_exceeded`. */
  code: string;
  /** The condition reason when the job fails for good. */
  conditionReason: Reason;
  message: string;
}

/** Classifies a failed (or vanished) workload, preferring the worker's own account. */
export function classifyFailure(workload: WorkloadStatus, reported?: ReportedFailure): FailureVerdict {
  const detail =
    reported?.reason ?? workload.message ?? `the worker exited with ${workload.exitCode ?? 'no code'}`;
  if (workload.exitCode === WorkerExit.Permanent || workload.reason === 'PodFailurePolicy') {
    return {
      retryable: false,
      code: reported?.code ?? 'permanent_failure',
      conditionReason: Reason.PermanentFailure,
      message: detail,
    };
  }
  if (workload.reason === 'DeadlineExceeded') {
    return {
      retryable: false,
      code: 'deadline_exceeded',
      conditionReason: Reason.DeadlineExceeded,
      message: workload.message || 'the worker ran longer than its deadline',
    };
  }
  if (reported && !reported.retryable) {
    return {
      retryable: false,
      code: reported.code,
      conditionReason: Reason.PermanentFailure,
      message: detail,
    };
  }
  return {
    retryable: true,
    code: reported?.code ?? (workload.reason === 'Lost' ? 'workload_lost' : 'worker_failed'),
    conditionReason: Reason.RetriesExhausted,
    message: detail,
  };
}

/** Retry settings; durations in ms. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Delay before attempt `failedAttempt + 1`: base · 2^(n-1), capped. */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempt - 1));
}
