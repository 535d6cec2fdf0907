// The controller manager: while it leads, an informer mirrors the EnhancementJobs, the runtime tracks
// workloads, a work queue runs the reconciler, and the event consumers feed requests and reports in.
import type { EventPublisher, RunningConsumer } from '../ports/event-bus.ts';
import { noEvents, type EventRecorder } from '../ports/event-recorder.ts';
import type { LeaseLock } from '../ports/lease-lock.ts';
import type { ResourceStore } from '../ports/resource-store.ts';
import type { WorkloadRuntime } from '../ports/workload-runtime.ts';
import { isTerminal, type EnhancementJob } from '../resources/enhancement-job.ts';
import type { Logger } from '../telemetry/logger.ts';
import { createAdmission, type Admission } from './admission.ts';
import { createReportHandler, createRequestHandler } from './event-handlers.ts';
import type { RetryPolicy } from './failure-policy.ts';
import { createInformer, type Informer } from './informer.ts';
import { createLeaderElector, type LeaderElector } from '../leadership/leader-election.ts';
import { createLifecycleEvents } from './lifecycle-events.ts';
import { createReconciler, type Reconciler } from './reconciler.ts';
import { createWorkQueue, type ReconcileResult, type WorkQueue } from './work-queue.ts';
import { createWorkerReports } from './worker-reports.ts';

/** Tunables; durations in ms. */
export interface ControllerSettings {
  /** Jobs with a workload at once. */
  maxRunning: number;
  /** Reconciles at once. */
  concurrency: number;
  retry: RetryPolicy;
  progressIntervalMs: number;
  resyncMs: number;
  quietMs: number;
  election?: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
}

/** The handlers the event consumers call while this controller leads. */
export interface ControllerHandlers {
  requests: ReturnType<typeof createRequestHandler>;
  reports: ReturnType<typeof createReportHandler>;
}

export interface ManagerDeps {
  store: ResourceStore;
  runtime: WorkloadRuntime;
  publisher: EventPublisher;
  /** Events for `kubectl describe` (default: none, as in local mode). */
  recorder?: EventRecorder;
  /** Absent: this controller always leads (one process, tests). */
  lock?: LeaseLock;
  identity: string;
  /** Starts the event consumers (durable, so a new leader resumes where the old one stopped). */
  startConsumers?: (handlers: ControllerHandlers) => Promise<RunningConsumer[]>;
  settings: ControllerSettings;
  /** Checks a request's model and scale before a job is made of it (absent: the worker checks). */
  checkModel?: (model: string, scale: number | undefined) => Promise<void>;
  logger: Logger;
}

export interface ControllerManager extends AsyncDisposable {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly isLeader: boolean;
  /** Runs the reconciler once now (tests: "a second reconcile writes nothing"). */
  reconcile(name: string): Promise<ReconcileResult>;
  /** The mirror while leading (tests and health output). */
  readonly informer: Informer<EnhancementJob> | undefined;
  readonly admission: Admission | undefined;
}

/** Creates the manager; `start()` campaigns for leadership (or leads at once without a lock). */
export function createControllerManager(deps: ManagerDeps): ControllerManager {
  const { store, runtime, settings, logger } = deps;
  const log = logger.child({ component: 'controller', identity: deps.identity });
  let leading:
    | {
        informer: Informer<EnhancementJob>;
        admission: Admission;
        queue: WorkQueue;
        reconcile: Reconciler;
        consumers: RunningConsumer[];
      }
    | undefined;
  let elector: LeaderElector | undefined;

  const startLeading = async () => {
    const reports = createWorkerReports();
    // The informer's callback needs the queue, and the queue's reconciler needs the informer.
    const late: { queue?: WorkQueue } = {};
    const informer = createInformer(store, {
      name: 'enhancementjobs',
      keyOf: (job) => job.metadata.name,
      versionOf: (job) => job.metadata.resourceVersion ?? '',
      onChange: (name, job) => {
        late.queue?.add(name);
        // A job that stopped holding a slot lets the next ones in.
        if (isTerminal(job.status?.phase) || job.metadata.deletionTimestamp) {
          for (const next of admission.nextCandidates()) late.queue?.add(next);
        }
      },
      logger: log,
      resyncMs: settings.resyncMs,
      quietMs: settings.quietMs,
    });
    const admission = createAdmission({ maxRunning: settings.maxRunning, jobs: () => informer.values() });
    const reconcile = createReconciler({
      store,
      cache: informer,
      runtime,
      admission,
      reports,
      events: createLifecycleEvents(deps.publisher),
      recorder: deps.recorder ?? noEvents,
      retry: settings.retry,
      progressIntervalMs: settings.progressIntervalMs,
      maxRunning: settings.maxRunning,
      checkModel: deps.checkModel,
      logger: log,
    });
    const queue = createWorkQueue({ concurrency: settings.concurrency, process: reconcile, logger: log });
    // The mirror first: reconciles and admission decisions must see every job, not the first few.
    late.queue = queue;
    await informer.start();
    await runtime.start((name) => queue.add(name));
    queue.start();
    const handlerDeps = {
      store,
      cache: informer,
      queue,
      reports,
      logger: log,
      checkModel: deps.checkModel,
      publisher: deps.publisher,
    };
    const consumers = deps.startConsumers
      ? await deps.startConsumers({
          requests: createRequestHandler(handlerDeps),
          reports: createReportHandler(handlerDeps),
        })
      : [];
    leading = { informer, admission, queue, reconcile, consumers };
    log.info('controller started', {
      store: store.backend,
      runtime: runtime.kind,
      maxRunning: settings.maxRunning,
    });
  };

  const stopLeading = async () => {
    const current = leading;
    leading = undefined;
    if (!current) return;
    await Promise.allSettled(current.consumers.map((c) => c.stop()));
    await current.queue.stop();
    await runtime.stop();
    await current.informer.stop();
    log.info('controller stopped');
  };

  const stop = async () => {
    if (elector) await elector.stop();
    else await stopLeading();
  };

  return {
    async start() {
      if (!deps.lock) return startLeading();
      elector = createLeaderElector({
        lock: deps.lock,
        identity: deps.identity,
        ...settings.election,
        onStartedLeading: startLeading,
        onStoppedLeading: stopLeading,
        logger: log,
      });
      elector.start();
    },
    stop,
    get isLeader() {
      return elector ? elector.isLeader && !!leading : !!leading;
    },
    reconcile(name) {
      if (!leading) throw new Error('this controller is not leading');
      return leading.reconcile(name);
    },
    get informer() {
      return leading?.informer;
    },
    get admission() {
      return leading?.admission;
    },
    [Symbol.asyncDispose]: stop,
  };
}
