// Assembles the projector: the read-model and blob-janitor consumers, and the periodic orphan sweep.
import type { Config } from '../config/config.ts';
import { startConsumer } from '../adapters/nats/consumer.ts';
import { createMediaProjection } from '../adapters/mongo/media-projection.ts';
import { mongoCheckpoint } from '../adapters/mongo/checkpoints.ts';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createKvLeaseLock } from '../adapters/nats/kv-lease-lock.ts';
import { createLeaderElector } from '../leadership/leader-election.ts';
import {
  READ_MODEL_CONSUMER,
  blobJanitorConsumer,
  videoBlobJanitorConsumer,
  readModelConsumer,
} from '../projector/read-model-consumer.ts';
import { sweepOrphanBlobs } from '../projector/orphan-sweeper.ts';
import { SEGMENT_OF } from '../jobs/worker-contract.ts';
import type { RunningConsumer } from '../ports/event-bus.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';
import { createImportProjection, type ImportProjection } from '../adapters/mongo/import-projection.ts';
import { STREAMS } from '../events/catalog.ts';
import type { Checkpoint } from '../ports/checkpoint.ts';
import type { ConsumerSpec } from '../ports/event-bus.ts';

export const IMPORTS_CONSUMER = 'projector-imports';

/** The `imports` read model's consumer: every `pf.import.*` event in stream order, from its checkpoint. */
function importProjectionConsumer(projection: ImportProjection, checkpoint: Checkpoint): ConsumerSpec {
  return {
    name: IMPORTS_CONSUMER,
    stream: STREAMS.imports.name,
    concurrency: 1,
    batch: {
      maxSize: 64,
      checkpoint,
      handler: async (deliveries) => {
        for (const { event, seq } of deliveries) await projection.apply(event, seq);
        return deliveries.map(() => 'ack' as const);
      },
    },
  };
}

export interface RunningProjector extends AsyncDisposable {
  /** True while this instance holds the lease and writes the read models. */
  readonly isLeader: boolean;
  /** One orphan sweep now; resolves with the number of blobs removed. */
  sweep(minAgeMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startProjector(
  config: Config,
  conn: Connections,
  logger: Logger,
): Promise<RunningProjector> {
  const log = logger.child({ component: 'projector' });
  // The read models take one writer in stream order: only the holder of the lease runs that consumer, and
  // further replicas wait as standbys. Blob removal and sweeps are idempotent and run everywhere.
  let readModels: RunningConsumer | undefined;
  let importsModel: RunningConsumer | undefined;
  const elector = createLeaderElector({
    lock: await createKvLeaseLock(conn.bus, READ_MODEL_CONSUMER),
    identity: `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`,
    onStartedLeading: async () => {
      readModels = await startConsumer(
        conn.bus,
        readModelConsumer(
          createMediaProjection(conn.models),
          mongoCheckpoint(conn.mongo.db, READ_MODEL_CONSUMER),
          log,
        ),
        { logger: log },
      );
      importsModel = await startConsumer(
        conn.bus,
        importProjectionConsumer(
          createImportProjection(conn.mongo.db),
          mongoCheckpoint(conn.mongo.db, IMPORTS_CONSUMER),
        ),
        { logger: log },
      );
    },
    onStoppedLeading: async () => {
      await Promise.all([readModels?.stop(), importsModel?.stop()]);
      readModels = undefined;
      importsModel = undefined;
    },
    logger: log,
  });
  elector.start();
  const consumers: RunningConsumer[] = [
    await startConsumer(conn.bus, blobJanitorConsumer(conn.blobs, log), { logger: log }),
    await startConsumer(conn.bus, videoBlobJanitorConsumer(conn.blobs, log), { logger: log }),
  ];
  const sweep = (minAgeMs = config.PIXELFORGE_ORPHAN_BLOB_AGE_MS) =>
    sweepOrphanBlobs(
      {
        blobs: conn.blobs,
        logger: log,
        isReferenced: async ({ key, metadata }) => {
          // A finished segment of a video job: kept until the job ends (its worker removes it on success).
          const segmentOf = metadata[SEGMENT_OF];
          if (segmentOf) {
            const job = await conn.mongo.db
              .collection<{ _id: string; phase: string }>('jobs')
              .findOne({ _id: segmentOf }, { projection: { phase: 1 } });
            return !job || !['Succeeded', 'Failed', 'Cancelled'].includes(job.phase);
          }
          const refersToKey = { $or: [{ blobKey: key }, { 'variants.blobKey': key }] };
          return (
            (await conn.models.images.countDocuments(refersToKey, { limit: 1 })) > 0 ||
            (await conn.models.videos.countDocuments(refersToKey, { limit: 1 })) > 0
          );
        },
        projectorCaughtUp: async () => {
          const latest = await conn.progress.latestPublished();
          return conn.progress.waitFor(latest, 0);
        },
      },
      minAgeMs,
    );
  const timer = setInterval(
    () => void sweep().catch((err: Error) => log.warn('orphan sweep failed', { err })),
    Math.min(config.PIXELFORGE_ORPHAN_BLOB_AGE_MS, 60_000),
  );
  timer.unref();
  const stop = async () => {
    clearInterval(timer);
    await Promise.all([elector.stop(), ...consumers.map((c) => c.stop())]);
  };
  return {
    get isLeader() {
      return elector.isLeader;
    },
    sweep,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
