// WorkloadRuntime on Kubernetes: one batch/v1 Job per attempt, mirrored by an informer on the Jobs the
// controller manages; their status (as the job controller, or a test playing the node, writes it) is
// translated into WorkloadStatus.
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer, type Informer } from '../../controller/informer.ts';
import { workloadName } from '../../jobs/workload-name.ts';
import type { ListWatch } from '../../ports/resource-store.ts';
import type { WorkloadRuntime, WorkloadStatus } from '../../ports/workload-runtime.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { KubeApiError, kubeRequest } from './raw-client.ts';
import { kubeWatch } from './raw-watch.ts';
import { LABELS, MANAGED_BY, buildWorkerJob, type WorkerJobSettings } from './worker-job.ts';

/** The parts of a Job read back from the API server (JSON: times are strings). */
interface JobObject {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string> };
  status?: {
    active?: number;
    ready?: number;
    failed?: number;
    succeeded?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
  };
}

/** Options of {@link createK8sWorkloadRuntime}. */
export interface K8sWorkloadRuntimeOptions {
  settings: WorkerJobSettings;
  logger: Logger;
  resyncMs?: number;
  quietMs?: number;
}

/** What a Job's status says about its attempt. */
export function jobToWorkloadStatus(job: JobObject, attempt: number): WorkloadStatus {
  const status = job.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type && c.status === 'True');
  const base = {
    name: job.metadata.name,
    attempt,
    ...(status.startTime ? { startedAt: new Date(status.startTime) } : {}),
  };
  const complete = condition('Complete') ?? condition('SuccessCriteriaMet');
  if (complete) {
    const at = status.completionTime ?? complete.lastTransitionTime;
    return { ...base, state: 'succeeded', exitCode: 0, ...(at ? { finishedAt: new Date(at) } : {}) };
  }
  // FailureTarget comes first, while the job controller is still terminating pods: the outcome is settled.
  const failed = condition('Failed') ?? condition('FailureTarget');
  if (failed) {
    const exit = /exit code (\d+)/.exec(failed.message ?? '');
    return {
      ...base,
      state: 'failed',
      reason: failed.reason ?? 'Failed',
      message: failed.message ?? '',
      ...(exit ? { exitCode: Number(exit[1]) } : {}),
      ...(failed.lastTransitionTime ? { finishedAt: new Date(failed.lastTransitionTime) } : {}),
    };
  }
  if ((status.ready ?? 0) > 0) return { ...base, state: 'running' };
  return {
    ...base,
    state: 'pending',
    ...((status.failed ?? 0) > 0
      ? { message: `${status.failed} pod(s) failed; retrying within the Job` }
      : {}),
  };
}

/** Creates the runtime; `start` begins mirroring the controller's Jobs in the namespace. */
export function createK8sWorkloadRuntime(
  kubeConfig: KubeConfig,
  { settings, logger, resyncMs, quietMs }: K8sWorkloadRuntimeOptions,
): WorkloadRuntime {
  const base = `/apis/batch/v1/namespaces/${settings.namespace}/jobs`;
  const labelSelector = `${LABELS.managedBy}=${MANAGED_BY}`;
  const source: ListWatch<JobObject> = {
    async list() {
      const page = await kubeRequest<{ items: JobObject[]; metadata: { resourceVersion: string } }>(
        kubeConfig,
        'GET',
        base,
        { query: { labelSelector } },
      );
      return { items: page.items, resourceVersion: page.metadata.resourceVersion };
    },
    watch: (resourceVersion, onEvent) =>
      kubeWatch(kubeConfig, base, { resourceVersion, labelSelector }, (event) => {
        if (event.type === 'BOOKMARK') {
          onEvent({ type: 'BOOKMARK', resourceVersion: event.object.metadata?.resourceVersion ?? '' });
        } else if (event.type !== 'ERROR') {
          onEvent({ type: event.type, object: event.object as unknown as JobObject });
        }
      }),
  };
  let informer: Informer<JobObject> | undefined;

  const read = async (name: string): Promise<JobObject | null> => {
    const cached = informer?.get(name);
    if (cached) return cached;
    // A Job created a moment ago may not have reached the mirror yet; ask the server before saying "none".
    try {
      return await kubeRequest<JobObject>(kubeConfig, 'GET', `${base}/${name}`);
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 404) return null;
      throw err;
    }
  };

  return {
    kind: 'kubernetes',
    async start(onChange) {
      informer = createInformer(source, {
        name: 'jobs',
        keyOf: (job) => job.metadata.name,
        versionOf: (job) => job.metadata.resourceVersion,
        onChange: (_key, job) => {
          const owner = job.metadata.labels?.[LABELS.job];
          if (owner) onChange(owner);
        },
        logger,
        ...(resyncMs ? { resyncMs } : {}),
        ...(quietMs ? { quietMs } : {}),
      });
      await informer.start();
    },
    async observe(job, attempt) {
      const found = await read(workloadName(job.metadata.name, attempt));
      return found ? jobToWorkloadStatus(found, attempt) : null;
    },
    async create(job, attempt) {
      const manifest = buildWorkerJob(job, attempt, settings);
      try {
        const created = await kubeRequest<JobObject>(kubeConfig, 'POST', base, { body: manifest });
        return jobToWorkloadStatus(created, attempt);
      } catch (err) {
        if (!(err instanceof KubeApiError && err.code === 409)) throw err;
        const existing = await read(manifest.metadata!.name!);
        if (!existing) throw err;
        return jobToWorkloadStatus(existing, attempt);
      }
    },
    async remove(jobName) {
      const selector = `${LABELS.managedBy}=${MANAGED_BY},${LABELS.job}=${jobName}`;
      // Background propagation: the pods get their SIGTERM without the controller waiting for them.
      await kubeRequest(kubeConfig, 'DELETE', base, {
        query: { labelSelector: selector, propagationPolicy: 'Background' },
      });
    },
    async stop() {
      await informer?.stop();
    },
  };
}
