// A fake kubelet for the local test cluster: it registers a node and runs the pods the real scheduler binds to
// it as local processes (the container's command with its environment, no image, no isolation), reporting
// their phase, readiness and exit codes as a kubelet would. Deleting a pod sends SIGTERM, as the grace period
// starts. Everything else about the cluster (Jobs → pods, pod failure policies, garbage collection,
// scheduling by GPU, node selector and taints) is the real kube-controller-manager and kube-scheduler.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, V1Node, V1Pod, V1Taint } from '@kubernetes/client-node';
import { KubeApiError, kubeRequest } from '../../internal/adapters/k8s/raw-client.ts';

/** What the fake node offers the scheduler. */
export interface FakeNodeOptions {
  name: string;
  labels?: Record<string, string>;
  taints?: V1Taint[];
  /** Allocatable resources, e.g. `{ cpu: '8', memory: '32Gi', 'nvidia.com/gpu': '4' }`. */
  capacity: Record<string, string>;
}

/** A running fake kubelet; `await using` kills its pods' processes and stops it. */
export interface FakeKubelet extends AsyncDisposable {
  nodeName: string;
  stop(): Promise<void>;
}

interface RunningPod {
  child: ChildProcess;
  exited: Promise<void>;
}

const POLL_MS = 150;

/** Registers the node and starts running the pods bound to it. */
export async function startFakeKubelet(kubeConfig: KubeConfig, node: FakeNodeOptions): Promise<FakeKubelet> {
  await registerNode(kubeConfig, node);
  const workDir = await mkdtemp(join(tmpdir(), 'pixelforge-fake-kubelet-'));
  const running = new Map<string, RunningPod>(); // by pod uid
  const finished = new Set<string>(); // pod uids whose final status was written
  let stopping = false;

  const syncPod = async (pod: V1Pod) => {
    const uid = pod.metadata!.uid!;
    if (pod.metadata?.deletionTimestamp) {
      const current = running.get(uid);
      if (current) {
        current.child.kill('SIGTERM');
        await current.exited;
      }
      // The grace period is over once the process is gone: remove the pod (finalizers may keep it a while).
      await ignoreNotFound(
        kubeRequest(kubeConfig, 'DELETE', podPath(pod), { body: { gracePeriodSeconds: 0 } }),
      );
      return;
    }
    if (running.has(uid) || finished.has(uid)) return;
    const child = spawnContainer(pod, workDir);
    const startedAt = now();
    // A command that exits at once must still be reported running first, never the other way round.
    const reportedRunning = ignoreNotFound(reportRunning(kubeConfig, pod, node.name, startedAt)).catch(
      () => {},
    );
    const exited = new Promise<void>((resolve) => {
      child.on('exit', (code, signal) => {
        const exitCode = code ?? 128 + (constants.signals[signal as keyof typeof constants.signals] ?? 0);
        finished.add(uid);
        void reportedRunning
          .then(() => reportExit(kubeConfig, pod, startedAt, exitCode))
          .catch(() => {})
          .finally(() => {
            running.delete(uid);
            resolve();
          });
      });
    });
    running.set(uid, { child, exited });
    await reportedRunning;
  };

  const loop = (async () => {
    while (!stopping) {
      try {
        const pods = await kubeRequest<{ items: V1Pod[] }>(kubeConfig, 'GET', '/api/v1/pods', {
          query: { fieldSelector: `spec.nodeName=${node.name}` },
        });
        await Promise.all(pods.items.map(syncPod));
      } catch {
        // The API server restarting or going away at the end of a test: try again.
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      await loop;
      for (const pod of running.values()) pod.child.kill('SIGKILL');
      await Promise.all([...running.values()].map((p) => p.exited));
      await rm(workDir, { recursive: true, force: true });
    })());
  return { nodeName: node.name, stop, [Symbol.asyncDispose]: stop };
}

async function registerNode(kubeConfig: KubeConfig, node: FakeNodeOptions) {
  const body: V1Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, ...node.labels } },
    spec: { taints: node.taints ?? [] },
  };
  await kubeRequest(kubeConfig, 'POST', '/api/v1/nodes', { body });
  // Admission (TaintNodesByCondition) marks a new node not-ready; the node lifecycle controller, which is not
  // run, would lift that once the node reports Ready, as it does below.
  await kubeRequest(kubeConfig, 'PATCH', `/api/v1/nodes/${node.name}`, {
    contentType: 'application/merge-patch+json',
    body: { spec: { taints: node.taints ?? [] } },
  });
  const capacity = { pods: '110', ...node.capacity };
  await kubeRequest(kubeConfig, 'PATCH', `/api/v1/nodes/${node.name}/status`, {
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        capacity,
        allocatable: capacity,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            message: 'fake kubelet is posting ready status',
            lastHeartbeatTime: now(),
            lastTransitionTime: now(),
          },
        ],
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      },
    },
  });
}

/** Runs the pod's only container: its command and args as a process, with its plain and downward-API env. */
function spawnContainer(pod: V1Pod, workDir: string): ChildProcess {
  const container = pod.spec!.containers[0]!;
  const [command, ...args] = [...(container.command ?? []), ...(container.args ?? [])];
  if (!command)
    throw new Error(`pod ${pod.metadata!.name} has no command: the fake kubelet cannot run images`);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workDir };
  for (const variable of container.env ?? []) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (field === 'metadata.name') env[variable.name] = pod.metadata!.name!;
    else if (field === 'metadata.namespace') env[variable.name] = pod.metadata!.namespace!;
  }
  // Its own process group, so SIGTERM and SIGKILL reach whatever the command started too.
  const child = spawn(command, args, { env, cwd: workDir, stdio: 'ignore', detached: true });
  child.on('error', () => {}); // a missing binary exits with 127 through 'exit'
  const kill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    try {
      process.kill(-child.pid!, signal);
      return true;
    } catch {
      return kill(signal);
    }
  };
  return child;
}

function reportRunning(kubeConfig: KubeConfig, pod: V1Pod, nodeName: string, startedAt: string) {
  const container = pod.spec!.containers[0]!;
  const condition = (type: string) => ({ type, status: 'True', lastTransitionTime: startedAt });
  return patchPodStatus(kubeConfig, pod, {
    phase: 'Running',
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    startTime: startedAt,
    conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(condition),
    containerStatuses: [
      {
        name: container.name,
        image: container.image,
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
      },
    ],
    message: `running on ${nodeName}`,
  });
}

function reportExit(kubeConfig: KubeConfig, pod: V1Pod, startedAt: string, exitCode: number) {
  const container = pod.spec!.containers[0]!;
  const finishedAt = now();
  const notReady = (type: string) => ({
    type,
    status: 'False',
    reason: 'PodCompleted',
    lastTransitionTime: finishedAt,
  });
  return ignoreNotFound(
    patchPodStatus(kubeConfig, pod, {
      phase: exitCode === 0 ? 'Succeeded' : 'Failed',
      startTime: startedAt,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: startedAt },
        { type: 'Initialized', status: 'True', lastTransitionTime: startedAt },
        notReady('ContainersReady'),
        notReady('Ready'),
      ],
      containerStatuses: [
        {
          name: container.name,
          image: container.image,
          imageID: '',
          ready: false,
          started: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode,
              reason: exitCode === 0 ? 'Completed' : 'Error',
              startedAt,
              finishedAt,
            },
          },
        },
      ],
    }),
  );
}

function patchPodStatus(kubeConfig: KubeConfig, pod: V1Pod, status: Record<string, unknown>) {
  return kubeRequest(kubeConfig, 'PATCH', `${podPath(pod)}/status`, {
    contentType: 'application/merge-patch+json',
    body: { status },
  });
}

const podPath = (pod: V1Pod) => `/api/v1/namespaces/${pod.metadata!.namespace}/pods/${pod.metadata!.name}`;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.code !== 404) throw err;
  }
}
