// The cluster test/controller-cluster.test.ts runs against. By default a local one: etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler built from their Go modules, and a fake kubelet with one GPU node.
// `npm run test:cluster` (PIXELFORGE_TEST_CLUSTER=kubeconfig) opts in to the cluster of KUBECONFIG (or
// ~/.kube/config) instead, in a fresh namespace that is deleted afterwards; `npm test` never touches it.
// Either way worker pods run a stand-in worker (below) whose fate is in its job's name, because real workers
// would need the Pixelforge image and a NATS and MongoDB the pods can reach; the test plays the worker's NATS
// reports instead. Jobs, pods, pod failure policies, scheduling and garbage collection are the cluster's own.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { installCrd } from '../../internal/adapters/k8s/install-crd.ts';
import { kubeRequest } from '../../internal/adapters/k8s/raw-client.ts';
import type { WorkerJobSettings } from '../../internal/adapters/k8s/worker-job.ts';
import { enhancementJobCrd } from '../../internal/resources/crd.ts';
import { API_VERSION, PLURAL, type EnhancementJob } from '../../internal/resources/enhancement-job.ts';
import { startFakeKubelet } from './fake-kubelet.ts';
import { startKubeApiServer } from './kube-apiserver.ts';

/** A cluster with the EnhancementJob CRD and a namespace for the test; `await using` tears it down. */
export interface TestCluster extends AsyncDisposable {
  /** For messages: `local (…)` or the kubeconfig's server. */
  description: string;
  kubeConfig: KubeConfig;
  namespace: string;
  /** Worker Job settings that run the stand-in worker on this cluster. */
  worker: WorkerJobSettings;
  /** The node worker pods must land on (local cluster: the fake GPU node), when known. */
  gpuNode?: string;
  /** How long a pod may take to start and finish here (real clusters pull images). */
  podTimeoutMs: number;
}

/**
 * The stand-in worker: `sh -c` with this script, in `busybox` on a real cluster (any image with a POSIX shell
 * will do). Its fate is the first dash-separated word of PIXELFORGE_JOB_ID:
 *   ok    → runs 1 s, exits 0          slow  → runs 6 s, exits 0
 *   perm  → exits 42 (permanent)       crash → exits 1 (the pod may be retried)
 *   flaky → attempt 1 exits 1, later attempts behave like `ok`
 *   hang  → runs until SIGTERM, then exits 43 like the real worker
 * Anything else exits 2.
 */
export const STAND_IN_WORKER = `
trap 'kill $! 2>/dev/null; exit 43' TERM
run() { sleep "$1" & wait $!; }
case "\${PIXELFORGE_JOB_ID%%-*}" in
  ok) run 1 ;;
  slow) run 6 ;;
  perm) exit 42 ;;
  crash) exit 1 ;;
  flaky) if [ "$PIXELFORGE_JOB_ATTEMPT" = 1 ]; then exit 1; fi; run 1 ;;
  hang) while :; do run 3600; done ;;
  *) echo "unknown fate: $PIXELFORGE_JOB_ID" >&2; exit 2 ;;
esac
`;

const GPU_NODE = {
  name: 'gpu-node-1',
  labels: { 'nvidia.com/gpu.present': 'true' },
  taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }],
  capacity: { cpu: '16', memory: '64Gi', 'nvidia.com/gpu': '4' },
};

/** The cluster of KUBECONFIG when PIXELFORGE_TEST_CLUSTER=kubeconfig, otherwise a local one. */
export function startTestCluster(): Promise<TestCluster> {
  const choice = process.env.PIXELFORGE_TEST_CLUSTER ?? 'local';
  if (choice === 'local') return startLocalCluster();
  if (choice === 'kubeconfig') return useKubeconfigCluster();
  throw new Error(`PIXELFORGE_TEST_CLUSTER must be local or kubeconfig, not ${JSON.stringify(choice)}`);
}

function workerSettings(namespace: string, gpus: boolean): WorkerJobSettings {
  return {
    namespace,
    image: process.env.PIXELFORGE_TEST_WORKER_IMAGE || 'busybox:1.36',
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', STAND_IN_WORKER],
    gpuCount: gpus ? 1 : 0,
    ...(gpus
      ? {
          nodeSelector: { 'nvidia.com/gpu.present': 'true' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
        }
      : {}),
    resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
    backoffLimit: 1,
    activeDeadlineSeconds: 600,
    ttlSecondsAfterFinished: 600,
    env: { NATS_URL: 'nats://unused:4222' },
  };
}

/** The local cluster, with the path of its admin kubeconfig. */
export async function startLocalCluster(): Promise<TestCluster & { kubeconfigPath: string }> {
  const env = await startKubeApiServer({ controllers: true });
  try {
    // Loaded from the file, as a real cluster's kubeconfig is.
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(env.kubeconfigPath);
    const cluster = await prepare(kubeConfig, 'pixelforge');
    const kubelet = await startFakeKubelet(kubeConfig, GPU_NODE);
    const stop = async () => {
      await kubelet.stop();
      await env.stop();
    };
    return {
      ...cluster,
      kubeconfigPath: env.kubeconfigPath,
      description: `local (kube-apiserver, kube-controller-manager, kube-scheduler, fake kubelet on ${GPU_NODE.name})`,
      worker: workerSettings(cluster.namespace, true),
      gpuNode: GPU_NODE.name,
      podTimeoutMs: 60_000,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await env.stop();
    throw err;
  }
}

async function useKubeconfigCluster(): Promise<TestCluster> {
  const path = process.env.KUBECONFIG || join(homedir(), '.kube', 'config');
  if (!path.split(delimiter).some((file) => existsSync(file))) {
    throw new Error(`no kubeconfig at ${path}: set KUBECONFIG to the cluster to test against`);
  }
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault(); // KUBECONFIG, with its list of files, as kubectl reads it
  if (process.env.PIXELFORGE_TEST_CONTEXT) kubeConfig.setCurrentContext(process.env.PIXELFORGE_TEST_CONTEXT);
  const cluster = await prepare(kubeConfig, `pixelforge-test-${randomBytes(3).toString('hex')}`);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    ...cluster,
    description: `${kubeConfig.getCurrentCluster()?.server} (context ${kubeConfig.getCurrentContext()})`,
    // PIXELFORGE_TEST_GPU=1 asks for a GPU and the chart's default node selector and toleration.
    worker: workerSettings(cluster.namespace, process.env.PIXELFORGE_TEST_GPU === '1'),
    podTimeoutMs: Number(process.env.PIXELFORGE_TEST_POD_TIMEOUT_MS) || 180_000,
    [Symbol.asyncDispose]: async () => {
      // The controllers have stopped: release what they left so the namespace can go.
      const base = `/apis/${API_VERSION}/namespaces/${cluster.namespace}/${PLURAL}`;
      const left = await kubeRequest<{ items: EnhancementJob[] }>(kubeConfig, 'GET', base);
      for (const job of left.items) {
        await kubeRequest(kubeConfig, 'PATCH', `${base}/${job.metadata.name}`, {
          contentType: 'application/merge-patch+json',
          body: { metadata: { finalizers: null } },
        }).catch(() => {});
      }
      await core.deleteNamespace({ name: cluster.namespace });
    },
  };
}

/** Installs (or updates) the CRD and creates the test namespace. */
async function prepare(kubeConfig: KubeConfig, namespace: string) {
  await installCrd(kubeConfig, enhancementJobCrd());
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  return { kubeConfig, namespace };
}
