// Setting Kubernetes-style conditions: lastTransitionTime moves only when the status flips.
import type { Condition } from '../resources/enhancement-job.ts';
import type { ConditionType, Reason } from './reasons.ts';

/** A condition as the reconciler decides it; time and generation are filled in by {@link setCondition}. */
export interface DesiredCondition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
}

/**
 * Returns `conditions` with `desired` set: an unchanged status keeps its lastTransitionTime (so a reconcile
 * that learns nothing new writes nothing), a flipped one gets `now`.
 */
export function setCondition(
  conditions: readonly Condition[],
  desired: DesiredCondition,
  observedGeneration: number,
  now: Date,
): Condition[] {
  const existing = conditions.find((c) => c.type === desired.type);
  const next: Condition = {
    type: desired.type,
    status: desired.status,
    observedGeneration,
    lastTransitionTime:
      existing && existing.status === desired.status ? existing.lastTransitionTime : now.toISOString(),
    reason: desired.reason,
    message: desired.message.slice(0, 32768),
  };
  return existing ? conditions.map((c) => (c.type === desired.type ? next : c)) : [...conditions, next];
}

/** The condition of `type`, if set. */
export function findCondition(conditions: readonly Condition[] | undefined, type: ConditionType) {
  return conditions?.find((c) => c.type === type);
}
