// The batch/v1 Job that runs one attempt of an EnhancementJob on a GPU node: owner reference, GPU limits,
// placement, retry and deadline settings, a podFailurePolicy that honours the worker's exit codes, non-root.
import type { V1Job, V1Toleration } from '@kubernetes/client-node';
import { WorkerExit } from '../../jobs/worker-contract.ts';
import { workloadName } from '../../jobs/workload-name.ts';
import { API_VERSION, KIND, type EnhancementJob } from '../../resources/enhancement-job.ts';

export const WORKER_CONTAINER = 'worker';
export const MANAGED_BY = 'pixelforge-controller';
/** Labels that tie a Job to its EnhancementJob and attempt (the controller watches by them). */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  job: 'pixelforge.io/job',
  attempt: 'pixelforge.io/attempt',
} as const;

/** How worker Jobs are built: from configuration and the chart's values. */
export interface WorkerJobSettings {
  namespace: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Default: the image's `node cmd/worker/main.ts run` (Node 24 runs the TypeScript itself). */
  command?: string[];
  /** GPUs per worker; 0 runs on CPU (PIXELFORGE_PROVIDER=cpu). */
  gpuCount: number;
  /** Extended resource name of a GPU (default `nvidia.com/gpu`). */
  gpuResource?: string;
  /** The provider GPU workers run (default `webgpu`, which the default image has; `cuda` needs the CUDA image). */
  gpuProvider?: 'webgpu' | 'cuda';
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Pod retries inside one attempt (infrastructure failures; exit 42 never retries). */
  backoffLimit: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  serviceAccountName?: string;
  /** Plain environment for every worker (NATS_URL, MONGO_DB, model settings…). */
  env?: Record<string, string>;
  /** A Secret whose keys become environment variables (e.g. MONGO_URL with credentials). */
  envFromSecret?: string;
  /** UID and GID the worker runs as (default 10001: the image's `pixelforge` user). */
  runAsUser?: number;
}

/** The Job manifest for `attempt` of `job`. */
export function buildWorkerJob(job: EnhancementJob, attempt: number, settings: WorkerJobSettings): V1Job {
  const name = workloadName(job.metadata.name, attempt);
  const uid = settings.runAsUser ?? 10001;
  const labels = {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: 'worker',
    [LABELS.job]: job.metadata.name,
    [LABELS.attempt]: String(attempt),
  };
  const gpu =
    settings.gpuCount > 0 ? { [settings.gpuResource ?? 'nvidia.com/gpu']: String(settings.gpuCount) } : {};
  const provider = settings.gpuCount > 0 ? (settings.gpuProvider ?? 'webgpu') : 'cpu';
  const env: Record<string, string> = {
    PIXELFORGE_PROVIDER: provider,
    // The NVIDIA container toolkit mounts the Vulkan driver only for the `graphics` capability; WebGPU
    // (Dawn) needs it, CUDA needs `compute`. Other vendors' device plugins ignore the variable.
    ...(provider === 'webgpu' ? { NVIDIA_DRIVER_CAPABILITIES: 'compute,utility,graphics' } : {}),
    ...settings.env,
    PIXELFORGE_JOB_ID: job.metadata.name,
    PIXELFORGE_JOB_SPEC: JSON.stringify(job.spec),
    PIXELFORGE_JOB_ATTEMPT: String(attempt),
    PIXELFORGE_WORKLOAD_NAME: name,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: settings.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: KIND,
          name: job.metadata.name,
          uid: job.metadata.uid!,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit: settings.backoffLimit,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      podFailurePolicy: {
        rules: [
          // The job itself cannot succeed: retrying the pod would fail the same way.
          {
            action: 'FailJob',
            onExitCodes: { containerName: WORKER_CONTAINER, operator: 'In', values: [WorkerExit.Permanent] },
          },
          // Stopped by SIGTERM (a drain, a preemption): not the worker's fault, so not counted.
          {
            action: 'Ignore',
            onExitCodes: {
              containerName: WORKER_CONTAINER,
              operator: 'In',
              values: [WorkerExit.Cancelled, WorkerExit.Terminated],
            },
          },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          ...(settings.serviceAccountName ? { serviceAccountName: settings.serviceAccountName } : {}),
          automountServiceAccountToken: false,
          ...(settings.nodeSelector && Object.keys(settings.nodeSelector).length
            ? { nodeSelector: settings.nodeSelector }
            : {}),
          ...(settings.tolerations?.length ? { tolerations: settings.tolerations } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: uid,
            runAsGroup: uid,
            fsGroup: uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumes: [{ name: 'tmp', emptyDir: {} }],
          containers: [
            {
              name: WORKER_CONTAINER,
              image: settings.image,
              ...(settings.imagePullPolicy ? { imagePullPolicy: settings.imagePullPolicy } : {}),
              command: settings.command ?? ['node', 'cmd/worker/main.ts', 'run'],
              env: [
                ...Object.entries(env).map(([key, value]) => ({ name: key, value })),
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              ...(settings.envFromSecret
                ? { envFrom: [{ secretRef: { name: settings.envFromSecret } }] }
                : {}),
              resources: {
                requests: { ...settings.resources?.requests },
                limits: { ...settings.resources?.limits, ...gpu },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              // sharp and onnxruntime write temporary files; the root filesystem is read-only.
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
        },
      },
    },
  };
}
