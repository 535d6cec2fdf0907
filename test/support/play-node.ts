// Plays the kubelet and job controller for the controller's tests (the test API server runs neither):
// moves worker Jobs through running, succeeded and failed by writing their status.
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../../internal/adapters/k8s/raw-client.ts';

export interface WorkerJob {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { uid: string; name: string }[];
  };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: Record<string, unknown>;
}

export interface PlayedNode {
  /** Worker Jobs in the namespace, optionally of one EnhancementJob. */
  jobs(owner?: string): Promise<WorkerJob[]>;
  running(name: string): Promise<void>;
  succeeded(name: string): Promise<void>;
  /** Fails the Job as the job controller would after a pod exited with `exitCode`. */
  failed(name: string, exitCode: number): Promise<void>;
}

/** A node for the worker Jobs of `namespace`. */
export function playNode(kubeConfig: KubeConfig, namespace: string): PlayedNode {
  const base = `/apis/batch/v1/namespaces/${namespace}/jobs`;
  const patchStatus = (name: string, status: unknown) =>
    kubeRequest(kubeConfig, 'PATCH', `${base}/${name}/status`, {
      body: { status },
      contentType: 'application/merge-patch+json',
    });
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  // startTime is immutable once set: keep the one a previous step wrote.
  const startTime = async (name: string) =>
    (await kubeRequest<WorkerJob>(kubeConfig, 'GET', `${base}/${name}`)).status?.startTime ?? now();
  return {
    async jobs(owner) {
      const list = await kubeRequest<{ items: WorkerJob[] }>(kubeConfig, 'GET', base, {
        query: owner ? { labelSelector: `pixelforge.io/job=${owner}` } : {},
      });
      return list.items;
    },
    running: async (name) =>
      void (await patchStatus(name, { startTime: await startTime(name), active: 1, ready: 1 })),
    async succeeded(name) {
      const started = await startTime(name);
      const at = now();
      await patchStatus(name, {
        startTime: started,
        active: 0,
        ready: 0,
        succeeded: 1,
        completionTime: at,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: at },
          { type: 'Complete', status: 'True', lastTransitionTime: at },
        ],
      });
    },
    async failed(name, exitCode) {
      const started = await startTime(name);
      const at = now();
      const policy = exitCode === 42;
      const reason = policy ? 'PodFailurePolicy' : 'BackoffLimitExceeded';
      const message = policy
        ? `Container worker for pod ${namespace}/${name}-abcde failed with exit code ${exitCode} matching FailJob rule at index 0`
        : 'Job has reached the specified backoff limit';
      await patchStatus(name, {
        startTime: started,
        active: 0,
        ready: 0,
        failed: 1,
        conditions: [
          { type: 'FailureTarget', status: 'True', reason, message, lastTransitionTime: at },
          { type: 'Failed', status: 'True', reason, message, lastTransitionTime: at },
        ],
      });
    },
  };
}
