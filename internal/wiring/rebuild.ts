// Rebuilds the read models from the event stream: drop them, replay the image stream from the start.
import type { Config } from '../config/config.ts';
import { startConsumer } from '../adapters/nats/consumer.ts';
import { createMediaProjection } from '../adapters/mongo/media-projection.ts';
import { mongoCheckpoint } from '../adapters/mongo/checkpoints.ts';
import { READ_MODEL_COLLECTIONS, ensureReadModelIndexes } from '../adapters/mongo/read-models.ts';
import { STREAMS } from '../events/catalog.ts';
import { ConflictError } from '../errors/errors.ts';
import { READ_MODEL_CONSUMER, readModelConsumer } from '../projector/read-model-consumer.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';

export interface RebuildOptions {
  /** Rebuild even though a projector seems to be pulling from the stream. */
  force?: boolean;
  onProgress?: (applied: number, total: number) => void;
}

/** Resolves with the number of events replayed once the new read models have caught up. */
export async function rebuildProjections(
  _config: Config,
  conn: Connections,
  logger: Logger,
  { force = false, onProgress }: RebuildOptions = {},
): Promise<number> {
  const info = await conn.bus.jsm.consumers.info(STREAMS.images.name, READ_MODEL_CONSUMER).catch(() => null);
  // A running projector would write into the new collections from the middle of the stream.
  if (info && info.num_waiting > 0 && !force) {
    throw new ConflictError('a projector is consuming the stream: stop it first (or pass --force)');
  }
  for (const name of READ_MODEL_COLLECTIONS) {
    await conn.mongo.db
      .collection(name)
      .drop()
      .catch(() => false);
  }
  const checkpoint = mongoCheckpoint(conn.mongo.db, READ_MODEL_CONSUMER);
  await checkpoint.reset();
  await ensureReadModelIndexes(conn.models);
  if (info) await conn.bus.jsm.consumers.delete(STREAMS.images.name, READ_MODEL_CONSUMER);
  const total = await conn.progress.latestPublished();
  const consumer = await startConsumer(
    conn.bus,
    readModelConsumer(createMediaProjection(conn.models), checkpoint, logger),
    { logger },
  );
  try {
    while (!(await conn.progress.waitFor(total, 500))) {
      const current = await conn.bus.jsm.consumers.info(STREAMS.images.name, READ_MODEL_CONSUMER);
      onProgress?.(current.ack_floor.stream_seq, total);
    }
    onProgress?.(total, total);
  } finally {
    await consumer.stop();
  }
  return total;
}
