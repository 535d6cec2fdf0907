// Assembles the controller: the ResourceStore, WorkloadRuntime and lease of the configured runtime
// (Kubernetes, or NATS KV + child processes locally), the manager, and the event consumers it runs.
import { modelChecker } from './model-check.ts';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../config/config.ts';
import { startConsumer } from '../adapters/nats/consumer.ts';
import { createNatsPublisher } from '../adapters/nats/publisher.ts';
import { createK8sResourceStore } from '../adapters/k8s/k8s-resource-store.ts';
import { createK8sWorkloadRuntime } from '../adapters/k8s/k8s-workload-runtime.ts';
import { createK8sEventRecorder } from '../adapters/k8s/event-recorder.ts';
import { createK8sLeaseLock } from '../adapters/k8s/lease-lock.ts';
import type { WorkerJobSettings } from '../adapters/k8s/worker-job.ts';
import { createKvResourceStore } from '../adapters/nats/kv-resource-store.ts';
import { createKvLeaseLock } from '../adapters/nats/kv-lease-lock.ts';
import { createLocalWorkloadRuntime } from '../adapters/local-runtime/local-workload-runtime.ts';
import { createJobProjection } from '../adapters/mongo/job-projection.ts';
import { CONTROLLER_SOURCE } from '../jobs/job-view.ts';
import {
  createControllerManager,
  type ControllerManager,
  type ControllerSettings,
} from '../controller/manager.ts';
import { JOB_PROJECTION_CONSUMER, jobProjectionConsumer } from '../controller/job-projection-consumer.ts';
import { mongoCheckpoint } from '../adapters/mongo/checkpoints.ts';
import { controllerConsumers } from './controller-consumers.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';

const LEASE_NAME = 'pixelforge-controller';

/** The controller's tunables from configuration. */
export function controllerSettings(config: Config): ControllerSettings {
  return {
    maxRunning: config.PIXELFORGE_MAX_RUNNING_JOBS,
    concurrency: config.PIXELFORGE_CONTROLLER_CONCURRENCY,
    retry: {
      maxAttempts: config.PIXELFORGE_JOB_MAX_ATTEMPTS,
      baseDelayMs: config.PIXELFORGE_RETRY_BASE_MS,
      maxDelayMs: config.PIXELFORGE_RETRY_MAX_MS,
    },
    progressIntervalMs: config.PIXELFORGE_PROGRESS_INTERVAL_MS,
    resyncMs: config.PIXELFORGE_RESYNC_MS,
    quietMs: config.PIXELFORGE_WATCH_QUIET_MS,
    election: {
      leaseDurationMs: config.PIXELFORGE_LEASE_DURATION_MS,
      renewDeadlineMs: config.PIXELFORGE_LEASE_RENEW_DEADLINE_MS,
      retryPeriodMs: config.PIXELFORGE_LEASE_RETRY_PERIOD_MS,
    },
  };
}

/** How worker Jobs are built, from configuration. */
export function workerJobSettings(config: Config): WorkerJobSettings {
  return {
    namespace: config.PIXELFORGE_NAMESPACE,
    image: config.PIXELFORGE_WORKER_IMAGE,
    ...(config.PIXELFORGE_WORKER_IMAGE_PULL_POLICY
      ? { imagePullPolicy: config.PIXELFORGE_WORKER_IMAGE_PULL_POLICY }
      : {}),
    gpuCount: config.PIXELFORGE_WORKER_GPUS,
    gpuResource: config.PIXELFORGE_WORKER_GPU_RESOURCE,
    gpuProvider: config.PIXELFORGE_WORKER_GPU_PROVIDER,
    nodeSelector: config.PIXELFORGE_WORKER_NODE_SELECTOR,
    tolerations: config.PIXELFORGE_WORKER_TOLERATIONS,
    resources: config.PIXELFORGE_WORKER_RESOURCES,
    backoffLimit: config.PIXELFORGE_WORKER_BACKOFF_LIMIT,
    activeDeadlineSeconds: config.PIXELFORGE_WORKER_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: config.PIXELFORGE_WORKER_TTL_SECONDS,
    ...(config.PIXELFORGE_WORKER_SERVICE_ACCOUNT
      ? { serviceAccountName: config.PIXELFORGE_WORKER_SERVICE_ACCOUNT }
      : {}),
    ...(config.PIXELFORGE_WORKER_ENV_SECRET ? { envFromSecret: config.PIXELFORGE_WORKER_ENV_SECRET } : {}),
    env: workerEnv(config, !config.PIXELFORGE_WORKER_ENV_SECRET),
  };
}

/** What every worker needs besides its job: where the servers are, and the model settings. */
export function workerEnv(config: Config, includeMongoUrl: boolean): Record<string, string> {
  return {
    NATS_URL: config.NATS_URL,
    ...(includeMongoUrl ? { MONGO_URL: config.MONGO_URL } : {}),
    MONGO_DB: config.MONGO_DB,
    PIXELFORGE_BLOB_STORE: config.PIXELFORGE_BLOB_STORE,
    PIXELFORGE_BLOB_DIR: config.PIXELFORGE_BLOB_DIR,
    PIXELFORGE_LOCAL_DURABILITY: config.PIXELFORGE_LOCAL_DURABILITY,
    PIXELFORGE_MODELS_DIR: config.PIXELFORGE_MODELS_DIR,
    PIXELFORGE_THREADS: String(config.PIXELFORGE_THREADS),
    PIXELFORGE_MEMORY_BUDGET_BYTES: String(config.PIXELFORGE_MEMORY_BUDGET_BYTES),
    PIXELFORGE_GPU_MEMORY_BUDGET_BYTES: String(config.PIXELFORGE_GPU_MEMORY_BUDGET_BYTES),
    LOG_LEVEL: config.LOG_LEVEL,
  };
}

export interface RunningController extends AsyncDisposable {
  manager: ControllerManager;
  stop(): Promise<void>;
}

/** Options for tests and embedding: a kubeconfig other than the default one, a fixed identity. */
export interface StartControllerOptions {
  kubeConfig?: KubeConfig;
  identity?: string;
}

/**
 * Starts the controller for `config.PIXELFORGE_RUNTIME` over open connections (the lead runs it inside
 * `pixelforge up`; `cmd/controller` runs it alone). It also maintains the `jobs` read model while it leads.
 */
export async function startController(
  config: Config,
  conn: Connections,
  logger: Logger,
  options: StartControllerOptions = {},
): Promise<RunningController> {
  const log = logger.child({ component: 'controller' });
  const identity =
    options.identity ?? `${process.env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
  const namespace = config.PIXELFORGE_NAMESPACE;
  let parts;
  if (config.PIXELFORGE_RUNTIME === 'kubernetes') {
    const kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    parts = {
      store: createK8sResourceStore(kubeConfig, { namespace, logger: log }),
      runtime: createK8sWorkloadRuntime(kubeConfig, {
        settings: workerJobSettings(config),
        logger: log,
        resyncMs: config.PIXELFORGE_RESYNC_MS,
        quietMs: config.PIXELFORGE_WATCH_QUIET_MS,
      }),
      lock: createK8sLeaseLock(kubeConfig, namespace, LEASE_NAME),
      recorder: createK8sEventRecorder(kubeConfig, { namespace, identity, logger: log }),
    };
  } else {
    parts = {
      store: await createKvResourceStore(conn.bus, { namespace, logger: log }),
      runtime: createLocalWorkloadRuntime({
        maxProcesses: config.PIXELFORGE_MAX_RUNNING_JOBS,
        env: workerEnv(config, true),
        ...(config.PIXELFORGE_LOCAL_WORKER_COMMAND
          ? { command: config.PIXELFORGE_LOCAL_WORKER_COMMAND }
          : {}),
        logger: log,
      }),
      lock: await createKvLeaseLock(conn.bus, `${namespace}.${LEASE_NAME}`),
    };
  }
  const projection = createJobProjection(conn.mongo.db);
  await projection.ensureIndexes();
  const manager = createControllerManager({
    store: parts.store,
    runtime: parts.runtime,
    publisher: createNatsPublisher(conn.bus.js, { source: CONTROLLER_SOURCE }),
    ...('recorder' in parts ? { recorder: parts.recorder } : {}),
    ...(config.PIXELFORGE_LEADER_ELECTION ? { lock: parts.lock } : {}),
    identity,
    startConsumers: controllerConsumers(conn.bus, log, async () => [
      await startConsumer(
        conn.bus,
        jobProjectionConsumer(projection, mongoCheckpoint(conn.mongo.db, JOB_PROJECTION_CONSUMER), log),
        { logger: log },
      ),
    ]),
    settings: controllerSettings(config),
    checkModel: modelChecker(config.PIXELFORGE_MODELS_DIR),
    logger: log,
  });
  await manager.start();
  const stop = () => manager.stop();
  return { manager, stop, [Symbol.asyncDispose]: stop };
}

/** In a pod: the service account; elsewhere: KUBECONFIG or ~/.kube/config. */
function defaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}
