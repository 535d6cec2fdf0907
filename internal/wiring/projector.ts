// Assembles the projector: the read-model and blob-janitor consumers, and the periodic orphan sweep.
import type { Config } from '../config/config.ts';
import { startConsumer } from '../adapters/nats/consumer.ts';
import { createImageProjection } from '../adapters/mongo/image-projection.ts';
import { blobJanitorConsumer, readModelConsumer } from '../projector/read-model-consumer.ts';
import { sweepOrphanBlobs } from '../projector/orphan-sweeper.ts';
import type { RunningConsumer } from '../ports/event-bus.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';

export interface RunningProjector extends AsyncDisposable {
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
  const consumers: RunningConsumer[] = [
    await startConsumer(conn.bus, readModelConsumer(createImageProjection(conn.models), log), {
      logger: log,
    }),
    await startConsumer(conn.bus, blobJanitorConsumer(conn.blobs, log), { logger: log }),
  ];
  const sweep = (minAgeMs = config.PIXELFORGE_ORPHAN_BLOB_AGE_MS) =>
    sweepOrphanBlobs(
      {
        blobs: conn.blobs,
        logger: log,
        isReferenced: async (key) =>
          (await conn.models.images.countDocuments(
            { $or: [{ blobKey: key }, { 'variants.blobKey': key }] },
            { limit: 1 },
          )) > 0,
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
    await Promise.all(consumers.map((c) => c.stop()));
  };
  return { sweep, stop, [Symbol.asyncDispose]: stop };
}
