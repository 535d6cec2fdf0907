// Every condition type and reason the controller writes, in one place: the vocabulary of
// `kubectl describe ej` and of clients that react to conditions.

/** Condition types, one per question a user asks about a job. */
export const ConditionType = {
  /** Does the job have a workload (or why not yet)? */
  Scheduled: 'Scheduled',
  /** Is the worker running now? */
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons (CamelCase, stable). */
export const Reason = {
  WaitingForCapacity: 'WaitingForCapacity',
  BackingOff: 'BackingOff',
  WorkloadCreated: 'WorkloadCreated',
  WorkerPending: 'WorkerPending',
  WorkerRunning: 'WorkerRunning',
  WorkerFinished: 'WorkerFinished',
  Completed: 'Completed',
  PermanentFailure: 'PermanentFailure',
  /** The spec names a model or scale no worker has (a job made with kubectl; the API refuses these). */
  InvalidSpec: 'InvalidSpec',
  DeadlineExceeded: 'DeadlineExceeded',
  RetriesExhausted: 'RetriesExhausted',
  CancelRequested: 'CancelRequested',
  Deleted: 'Deleted',
  NotFinished: 'NotFinished',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** The finalizer that lets the controller stop a job's workload before the job disappears. */
export const FINALIZER = 'pixelforge.io/workload-cleanup';
