// Opens the connections a process needs (NATS, MongoDB) and the adapters built directly on them.
import type { Config } from '../config/config.ts';
import { connectBus, type Bus } from '../adapters/nats/connect.ts';
import { connectMongo, type Mongo } from '../adapters/mongo/connect.ts';
import { createGridFsBlobStore } from '../adapters/mongo/gridfs-blob-store.ts';
import { createFileBlobStore } from '../adapters/files/file-blob-store.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import { ensureReadModelIndexes, readModels, type ReadModels } from '../adapters/mongo/read-models.ts';
import { createWatermark } from '../adapters/nats/watermark.ts';
import { STREAMS } from '../events/catalog.ts';
import type { ProjectionProgress } from '../images/views.ts';
import { READ_MODEL_CONSUMER } from '../projector/read-model-consumer.ts';
import { createAccountsStore } from '../adapters/mongo/accounts-store.ts';
import { createApiKeyStore } from '../adapters/mongo/api-key-store.ts';
import { createImportProjection } from '../adapters/mongo/import-projection.ts';

export interface Connections extends AsyncDisposable {
  bus: Bus;
  mongo: Mongo;
  blobs: BlobStore;
  models: ReadModels;
  progress: ProjectionProgress;
  /** Readiness checks of both servers (each throws when its server is unreachable), for /readyz. */
  readiness: Record<'nats' | 'mongo', () => Promise<void>>;
  close(): Promise<void>;
}

/** Connects to both servers, provisions streams and indexes (idempotent), and builds the shared adapters. */
export async function openConnections(config: Config, processName: string): Promise<Connections> {
  const bus = await connectBus(config.NATS_URL, { name: `pixelforge-${processName}` });
  let mongo: Mongo;
  try {
    mongo = await connectMongo(config.MONGO_URL, config.MONGO_DB);
  } catch (err) {
    await bus.close();
    throw err;
  }
  const blobs =
    config.PIXELFORGE_BLOB_STORE === 'files'
      ? createFileBlobStore(config.PIXELFORGE_BLOB_DIR, {
          fsync: config.PIXELFORGE_LOCAL_DURABILITY === 'fsync',
        })
      : createGridFsBlobStore(mongo.db);
  const models = readModels(mongo.db);
  await Promise.all([
    blobs.ensureIndexes(),
    ensureReadModelIndexes(models),
    createAccountsStore(mongo.db).ensureIndexes(),
    createApiKeyStore(mongo.db).ensureIndexes(),
    createImportProjection(mongo.db).ensureIndexes(),
  ]);
  const watermark = createWatermark(bus.jsm, STREAMS.images.name, READ_MODEL_CONSUMER);
  const progress: ProjectionProgress = {
    waitFor: (seq, timeoutMs) => watermark.waitFor(seq, timeoutMs),
    latestPublished: async () => (await bus.jsm.streams.info(STREAMS.images.name)).state.last_seq,
  };
  const close = async () => {
    await Promise.allSettled([bus.close(), mongo.close()]);
  };
  const readiness = {
    nats: async () => {
      if (bus.nc.isClosed()) throw new Error('connection closed');
      await bus.nc.flush();
    },
    mongo: () => mongo.ping(),
  };
  return { bus, mongo, blobs, models, progress, readiness, close, [Symbol.asyncDispose]: close };
}
