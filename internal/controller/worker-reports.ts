// What workers said about their jobs (progress, output, failure), as last heard from pf.job.* events;
// the reconciler folds it into status. Memory only: a lost report costs a progress tick, not correctness,
// because terminal reports are acknowledged only after a reconcile has written them.
import type { JobOutput } from '../events/catalog.ts';
import type { JobProgress } from '../resources/enhancement-job.ts';
import type { ReportedFailure } from './failure-policy.ts';
import type { z } from 'zod';

export interface WorkerReport {
  progress?: JobProgress;
  output?: z.infer<typeof JobOutput>;
  failure?: ReportedFailure;
  cancelled?: boolean;
}

export interface WorkerReports {
  get(jobName: string): WorkerReport | undefined;
  /** Merges `report` into what is known of the job. */
  record(jobName: string, report: WorkerReport): void;
  /** Forgets what belonged to earlier attempts (a new attempt starts from nothing). */
  resetAttempt(jobName: string): void;
  forget(jobName: string): void;
}

/** Creates an empty report store. */
export function createWorkerReports(): WorkerReports {
  const reports = new Map<string, WorkerReport>();
  return {
    get: (name) => reports.get(name),
    record(name, report) {
      const current = reports.get(name) ?? {};
      // Progress only moves forward within an attempt: a redelivered older event must not rewind it.
      const progress =
        report.progress && current.progress && report.progress.done < current.progress.done
          ? current.progress
          : (report.progress ?? current.progress);
      reports.set(name, { ...current, ...report, ...(progress ? { progress } : {}) });
    },
    resetAttempt(name) {
      const current = reports.get(name);
      if (current) reports.set(name, current.output ? { output: current.output } : {});
    },
    forget: (name) => void reports.delete(name),
  };
}
