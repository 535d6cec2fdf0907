// The WorkloadRuntime port: start, observe and stop the worker of one attempt of an EnhancementJob,
// as a batch/v1 Job on a GPU node or as a local child process.
import type { EnhancementJob } from '../resources/enhancement-job.ts';

export type WorkloadState = 'pending' | 'running' | 'succeeded' | 'failed';

/** What the runtime knows about one attempt's workload. */
export interface WorkloadStatus {
  /** The Job or process name, e.g. `cat-x4-1`. */
  name: string;
  attempt: number;
  state: WorkloadState;
  startedAt?: Date;
  finishedAt?: Date;
  /** The worker's exit code when the runtime knows it (see WorkerExit). */
  exitCode?: number;
  /** Machine-readable: `PodFailurePolicy`, `BackoffLimitExceeded`, `DeadlineExceeded`, `Exited`, `Lost`. */
  reason?: string;
  message?: string;
}

export interface WorkloadRuntime {
  /** `kubernetes` or `local`, for logs. */
  readonly kind: string;
  /** Starts tracking workloads; `onChange(jobName)` fires whenever one changes. Resolves once synced. */
  start(onChange: (jobName: string) => void): Promise<void>;
  /** The workload of `attempt`, or null when there is none. */
  observe(job: EnhancementJob, attempt: number): Promise<WorkloadStatus | null>;
  /** Creates the workload of `attempt` unless it exists; idempotent (the name is derived from both). */
  create(job: EnhancementJob, attempt: number): Promise<WorkloadStatus>;
  /** Stops and removes every workload of the job; idempotent. */
  remove(jobName: string): Promise<void>;
  /** Stops tracking (the workloads keep running). */
  stop(): Promise<void>;
}
