// The name of the workload (Job or process) of one attempt of an EnhancementJob.
import { createHash } from 'node:crypto';

const MAX_NAME = 63;

/**
 * `<job>-<attempt>`, shortened with a hash when that passes 63 characters (Kubernetes puts the Job's name in
 * a label). Deterministic, so creating the workload twice finds the first one.
 */
export function workloadName(jobName: string, attempt: number): string {
  const suffix = `-${attempt}`;
  if (jobName.length + suffix.length <= MAX_NAME) return jobName + suffix;
  const hash = createHash('sha256').update(jobName).digest('hex').slice(0, 8);
  return `${jobName.slice(0, MAX_NAME - suffix.length - hash.length - 1).replace(/-+$/, '')}-${hash}${suffix}`;
}
