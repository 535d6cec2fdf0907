// Verifies the read models: folds the image stream into a scratch database with the same projection the
// projector runs, and compares every document with the live read models. Drift means a store lost or
// invented writes; `pixelforge projections rebuild` repairs it.
import { randomBytes } from 'node:crypto';
import { EJSON } from 'bson';
import type { Db } from 'mongodb';
import { mongoCheckpoint } from '../adapters/mongo/checkpoints.ts';
import type { SequencedEvent } from '../adapters/mongo/image-projection.ts';
import { createMediaProjection } from '../adapters/mongo/media-projection.ts';
import { READ_MODEL_COLLECTIONS, readModels } from '../adapters/mongo/read-models.ts';
import { PixelforgeEvent, STREAMS } from '../events/catalog.ts';
import { READ_MODEL_BATCH, READ_MODEL_CONSUMER } from '../projector/read-model-consumer.ts';
import type { Connections } from './connections.ts';

/** One collection's comparison. */
export interface CollectionDrift {
  collection: string;
  /** Documents in the live read model and in the fold of the stream. */
  live: number;
  folded: number;
  /** Documents that differ in any way: missing, extra or different. */
  drift: number;
  /** Ids missing from the live read model, present only there, or different (at most `maxIds` each). */
  missing: string[];
  extra: string[];
  different: string[];
}

export interface VerifyReport {
  /** The stream sequence the fold went up to, and what the live read models had applied then. */
  foldedTo: number;
  appliedLive: number;
  collections: CollectionDrift[];
  /** True when every collection matches. */
  ok: boolean;
}

export interface VerifyOptions {
  /** Ids listed per kind of difference (default 20). */
  maxIds?: number;
  onProgress?: (folded: number, total: number) => void;
}

/** Folds the stream up to its current end and compares; the scratch database is dropped afterwards. */
export async function verifyProjections(
  conn: Connections,
  { maxIds = 20, onProgress }: VerifyOptions = {},
): Promise<VerifyReport> {
  const foldedTo = await conn.progress.latestPublished();
  const scratch = conn.mongo.client.db(
    `${conn.mongo.db.databaseName}_verify_${randomBytes(4).toString('hex')}`,
  );
  try {
    await foldStream(conn, scratch, foldedTo, onProgress);
    const appliedLive = await mongoCheckpoint(conn.mongo.db, READ_MODEL_CONSUMER).load();
    const collections: CollectionDrift[] = [];
    for (const name of READ_MODEL_COLLECTIONS) {
      collections.push(await compare(name, conn.mongo.db, scratch, maxIds));
    }
    const ok = collections.every((c) => c.drift === 0);
    return { foldedTo, appliedLive, collections, ok };
  } finally {
    await scratch.dropDatabase().catch(() => {});
  }
}

/** Applies stream events 1…`to` to the read models in `db`, in batches, as the projector would. */
async function foldStream(
  conn: Connections,
  db: Db,
  to: number,
  onProgress?: (folded: number, total: number) => void,
): Promise<void> {
  const projection = createMediaProjection(readModels(db));
  if (to === 0) return;
  // An ordered consumer: ephemeral, in stream order, nothing left behind on the server.
  const consumer = await conn.bus.js.consumers.get(STREAMS.images.name);
  const messages = await consumer.consume({ max_messages: READ_MODEL_BATCH * 2 });
  let batch: SequencedEvent[] = [];
  const flush = async () => {
    if (batch.length) await projection.applyBatch(batch);
    batch = [];
  };
  for await (const m of messages) {
    // Invalid events are dead-lettered by the projector and never applied; the fold skips them too.
    const parsed = (() => {
      try {
        return PixelforgeEvent.safeParse(JSON.parse(new TextDecoder().decode(m.data)));
      } catch {
        return null;
      }
    })();
    if (parsed?.success) batch.push({ event: parsed.data, seq: m.seq });
    if (batch.length >= READ_MODEL_BATCH) {
      await flush();
      onProgress?.(m.seq, to);
    }
    if (m.seq >= to || m.info.pending === 0) break;
  }
  await flush();
  onProgress?.(to, to);
  messages.stop();
}

async function compare(name: string, live: Db, folded: Db, maxIds: number): Promise<CollectionDrift> {
  const canonical = async (db: Db) =>
    new Map(
      (await db.collection(name).find({}).toArray()).map((doc) => [
        String(doc._id),
        EJSON.stringify(doc, { relaxed: false }),
      ]),
    );
  const [a, b] = await Promise.all([canonical(live), canonical(folded)]);
  const missing = [...b.keys()].filter((id) => !a.has(id));
  const extra = [...a.keys()].filter((id) => !b.has(id));
  const different = [...a].filter(([id, doc]) => b.has(id) && b.get(id) !== doc).map(([id]) => id);
  return {
    collection: name,
    live: a.size,
    folded: b.size,
    drift: missing.length + extra.length + different.length,
    missing: missing.slice(0, maxIds),
    extra: extra.slice(0, maxIds),
    different: different.slice(0, maxIds),
  };
}
