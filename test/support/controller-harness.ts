// Runs the real controller against a test API server and a real nats-server, with a store that counts
// writes (for "a second reconcile writes nothing") and a recorder of the lifecycle events published.
import type { KubeConfig } from '@kubernetes/client-node';
import { connectBus, type Bus } from '../../internal/adapters/nats/connect.ts';
import { createNatsPublisher } from '../../internal/adapters/nats/publisher.ts';
import { createK8sResourceStore } from '../../internal/adapters/k8s/k8s-resource-store.ts';
import { createK8sWorkloadRuntime } from '../../internal/adapters/k8s/k8s-workload-runtime.ts';
import { createK8sEventRecorder } from '../../internal/adapters/k8s/event-recorder.ts';
import { createK8sLeaseLock } from '../../internal/adapters/k8s/lease-lock.ts';
import type { WorkerJobSettings } from '../../internal/adapters/k8s/worker-job.ts';
import { CONTROLLER_SOURCE } from '../../internal/jobs/job-view.ts';
import {
  createControllerManager,
  type ControllerManager,
  type ControllerSettings,
} from '../../internal/controller/manager.ts';
import type { AnyEvent } from '../../internal/events/catalog.ts';
import type { ResourceStore } from '../../internal/ports/resource-store.ts';
import { createLogger, silentLogger, type Logger } from '../../internal/telemetry/logger.ts';
import { controllerConsumers } from '../../internal/wiring/controller-consumers.ts';
import { startNatsServer, type NatsServer } from '../../internal/adapters/local-servers/nats-server.ts';
import { modelChecker } from '../../internal/wiring/model-check.ts';

/** The repository's model manifests, which the controller checks a new job's model against. */
const MODELS_DIR = new URL('../../models', import.meta.url).pathname;

export const TEST_SETTINGS: ControllerSettings = {
  maxRunning: 3,
  concurrency: 4,
  retry: { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 1000 },
  progressIntervalMs: 0,
  resyncMs: 60_000,
  quietMs: 30_000,
  election: { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 },
};

export function testWorkerSettings(namespace: string): WorkerJobSettings {
  return {
    namespace,
    image: 'pixelforge/pixelforge:test',
    gpuCount: 1,
    nodeSelector: { 'nvidia.com/gpu.present': 'true' },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    backoffLimit: 1,
    activeDeadlineSeconds: 600,
    ttlSecondsAfterFinished: 300,
    env: { NATS_URL: 'nats://nats:4222', MONGO_DB: 'pixelforge' },
  };
}

/** A ResourceStore that counts the writes that went through it. */
export interface CountingStore extends ResourceStore {
  readonly writes: number;
}

export function countWrites(store: ResourceStore): CountingStore {
  let writes = 0;
  const counted =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A) => {
      const result = await fn(...args);
      writes++;
      return result;
    };
  return {
    ...store,
    update: counted(store.update),
    updateStatus: counted(store.updateStatus),
    get writes() {
      return writes;
    },
  };
}

export interface ControllerOptions {
  kubeConfig?: KubeConfig;
  settings?: Partial<ControllerSettings>;
  /** Elect a leader through a Lease (default: lead at once). */
  election?: boolean;
  identity?: string;
  logger?: Logger;
  /** The model check before a first workload (default: the repository's manifests, as deployed). */
  checkModel?: (model: string, scale: number | undefined) => Promise<void>;
}

/** NATS plus controllers sharing it; `await using` stops everything. */
export interface ControllerHarness extends AsyncDisposable {
  nats: NatsServer;
  bus: Bus;
  /** Every event stored on pf.> since the harness started, in order (duplicates by id dropped). */
  events: AnyEvent[];
  /** The recorded events of one job and type. */
  eventsOf(jobId: string, type: AnyEvent['type']): AnyEvent[];
  start(options?: ControllerOptions): Promise<{ manager: ControllerManager; store: CountingStore }>;
}

/** Starts nats-server and a recorder; controllers are started with `start()`. */
export async function startControllerHarness(
  kubeConfig: KubeConfig,
  namespace: string,
  worker: WorkerJobSettings = testWorkerSettings(namespace),
): Promise<ControllerHarness> {
  const nats = await startNatsServer();
  const bus = await connectBus(nats.url, { name: 'controller-test' });
  const events: AnyEvent[] = [];
  // A publish that JetStream de-duplicates (same Nats-Msg-Id) still reaches plain subscribers: keep the
  // first of each id, which is what the stream stores and its consumers see.
  const seen = new Set<string>();
  const sub = bus.nc.subscribe('pf.>', {
    callback: (_err, msg) => {
      const event = JSON.parse(new TextDecoder().decode(msg.data)) as AnyEvent;
      if (seen.has(event.id)) return;
      seen.add(event.id);
      events.push(event);
    },
  });
  const managers: ControllerManager[] = [];
  return {
    nats,
    bus,
    events,
    eventsOf: (jobId, type) => events.filter((e) => e.subject === jobId && e.type === type),
    async start(options = {}) {
      const kc = options.kubeConfig ?? kubeConfig;
      // PIXELFORGE_TEST_LOGS=debug shows what the controllers do.
      const level = process.env.PIXELFORGE_TEST_LOGS as 'debug' | 'info' | undefined;
      const logger = options.logger ?? (level ? createLogger({ level }) : silentLogger);
      const settings = { ...TEST_SETTINGS, ...options.settings };
      const store = countWrites(createK8sResourceStore(kc, { namespace, logger }));
      const manager = createControllerManager({
        store,
        runtime: createK8sWorkloadRuntime(kc, {
          settings: worker,
          logger,
          resyncMs: settings.resyncMs,
          quietMs: settings.quietMs,
        }),
        publisher: createNatsPublisher(bus.js, { source: CONTROLLER_SOURCE }),
        recorder: createK8sEventRecorder(kc, {
          namespace,
          identity: options.identity ?? 'test-controller',
          logger,
        }),
        ...(options.election ? { lock: createK8sLeaseLock(kc, namespace, 'pixelforge-controller') } : {}),
        identity: options.identity ?? 'test-controller',
        startConsumers: controllerConsumers(bus, logger),
        checkModel: options.checkModel ?? modelChecker(MODELS_DIR),
        settings,
        logger,
      });
      managers.push(manager);
      await manager.start();
      return { manager, store };
    },
    async [Symbol.asyncDispose]() {
      await Promise.allSettled(managers.map((m) => m.stop()));
      sub.unsubscribe();
      await bus.close();
      await nats.stop();
    },
  };
}
