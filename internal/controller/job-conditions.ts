// The conditions that go with each phase, so that status.phase and status.conditions never disagree.
import type { EnhancementJobStatus } from '../resources/enhancement-job.ts';
import { setCondition, type DesiredCondition } from './conditions.ts';
import { ConditionType, Reason } from './reasons.ts';

/** Why the job is where it is, beyond its phase. */
export interface PhaseDetail {
  /** Pending: waiting for a slot, or backing off after a failed attempt. */
  waiting?: 'capacity' | 'backoff';
  /** Failed: the condition reason. */
  failureReason?: Reason;
  /** Cancelled: by `spec.cancel` or by deleting the resource. */
  cancelReason?: Reason;
  message: string;
}

/** The conditions implied by `status.phase`. */
export function conditionsForPhase(status: EnhancementJobStatus, detail: PhaseDetail): DesiredCondition[] {
  const { message } = detail;
  const workload = status.workload ?? '';
  const scheduled = (s: 'True' | 'False', reason: Reason, m: string): DesiredCondition => ({
    type: ConditionType.Scheduled,
    status: s,
    reason,
    message: m,
  });
  const running = (s: 'True' | 'False', reason: Reason, m: string): DesiredCondition => ({
    type: ConditionType.Running,
    status: s,
    reason,
    message: m,
  });
  const created = scheduled(
    'True',
    Reason.WorkloadCreated,
    `workload ${workload} (attempt ${status.attempts})`,
  );
  switch (status.phase) {
    case 'Pending':
      return detail.waiting === 'backoff'
        ? [scheduled('False', Reason.BackingOff, message), running('False', Reason.WorkerFinished, message)]
        : [scheduled('False', Reason.WaitingForCapacity, message)];
    case 'Scheduled':
      return [created, running('False', Reason.WorkerPending, 'the worker has not started yet')];
    case 'Running':
      return [created, running('True', Reason.WorkerRunning, message)];
    case 'Succeeded':
      return [
        running('False', Reason.WorkerFinished, 'the worker finished'),
        { type: ConditionType.Succeeded, status: 'True', reason: Reason.Completed, message },
      ];
    case 'Failed':
      return [
        running('False', Reason.WorkerFinished, 'the worker finished'),
        {
          type: ConditionType.Failed,
          status: 'True',
          reason: detail.failureReason ?? Reason.PermanentFailure,
          message,
        },
      ];
    case 'Cancelled':
      return [
        running('False', Reason.WorkerFinished, 'the worker was stopped'),
        {
          type: ConditionType.Cancelled,
          status: 'True',
          reason: detail.cancelReason ?? Reason.CancelRequested,
          message,
        },
      ];
    default:
      return [];
  }
}

/** Applies the phase's conditions to `status` (in place) with the generation they were computed from. */
export function applyPhaseConditions(
  status: EnhancementJobStatus,
  detail: PhaseDetail,
  generation: number,
  now: Date,
): void {
  let conditions = status.conditions ?? [];
  for (const desired of conditionsForPhase(status, detail)) {
    conditions = setCondition(conditions, desired, generation, now);
  }
  status.conditions = conditions;
  status.message = detail.message.slice(0, 4000);
}
