// Checkpoints and verification: an ordered projection resumes from the position recorded with its read models, so a store that
// loses its last writes in a crash gets the events behind them again instead of being skipped past them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db, Document } from 'mongodb';
import { CHECKPOINT_COLLECTION, mongoCheckpoint } from '../internal/adapters/mongo/checkpoints.ts';
import { READ_MODEL_COLLECTIONS } from '../internal/adapters/mongo/read-models.ts';
import { createJobProjection } from '../internal/adapters/mongo/job-projection.ts';
import { startConsumer } from '../internal/adapters/nats/consumer.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { DURABLE_WRITE_CONCERN } from '../internal/adapters/mongo/connect.ts';
import {
  JOB_PROJECTION_CONSUMER,
  jobProjectionConsumer,
} from '../internal/controller/job-projection-consumer.ts';
import { STREAMS } from '../internal/events/catalog.ts';
import { IMAGE_STATUSES } from '../internal/images/status.ts';
import { READ_MODEL_CONSUMER } from '../internal/projector/read-model-consumer.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { rebuildProjections } from '../internal/wiring/rebuild.ts';
import { verifyProjections } from '../internal/wiring/verify.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { dumpReadModels } from './support/read-model-dump.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { eventually } from './support/eventually.ts';

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

type Snapshot = Map<string, Document[]>;

/** Every document of the read models and of the checkpoints, as the store holds them now. */
async function snapshot(db: Db): Promise<Snapshot> {
  const out: Snapshot = new Map();
  for (const name of [...READ_MODEL_COLLECTIONS, CHECKPOINT_COLLECTION]) {
    out.set(name, await db.collection(name).find({}).toArray());
  }
  return out;
}

/** Puts the store back to `snap`: what a database that lost every write after it looks like after a crash. */
async function loseWritesAfter(db: Db, snap: Snapshot): Promise<void> {
  for (const [name, docs] of snap) {
    await db.collection(name).deleteMany({});
    if (docs.length) await db.collection(name).insertMany(docs);
  }
}

async function upload(stack: TestStack, group: string, jpeg: Buffer): Promise<string> {
  const res = await stack.request('/v1/images', { method: 'POST', body: uploadForm(jpeg, { group }) });
  assert.equal(res.status, 201);
  return ((await res.json()) as { id: string }).id;
}

async function appliedEverything(stack: TestStack, name: string): Promise<number> {
  const latest = await stack.conn.progress.latestPublished();
  const checkpoint = mongoCheckpoint(stack.conn.mongo.db, name);
  return eventually(async () => {
    const seq = await checkpoint.load();
    assert.equal(seq, latest, `${name} has applied ${seq} of ${latest}`);
    return seq;
  }, 20_000);
}

test('the read-model projector replays what the store lost, from the position the store itself recorded', async () => {
  await using stack = await startTestStack();
  const jpeg = await makeJpeg(16, 16);
  const first = [];
  for (let i = 0; i < 6; i++) first.push(await upload(stack, `group ${i % 2}`, jpeg));
  const before = await appliedEverything(stack, READ_MODEL_CONSUMER);
  const kept = await snapshot(stack.conn.mongo.db);

  // Writes the store will lose: new uploads, status changes of old and new images, a deletion.
  const later = [];
  for (let i = 0; i < 5; i++) later.push(await upload(stack, `group ${i % 3}`, jpeg));
  for (const [i, id] of [...first, ...later].entries()) {
    await stack.request(`/v1/images/${id}/status`, json('PUT', { status: IMAGE_STATUSES[i % 4] }));
  }
  await stack.request(`/v1/images/${first[0]}`, { method: 'DELETE' });
  const after = await appliedEverything(stack, READ_MODEL_CONSUMER);
  assert.ok(after > before);
  const truth = await dumpReadModels(stack.conn.mongo.db);

  await stack.stopProjector();
  await loseWritesAfter(stack.conn.mongo.db, kept);
  const info = await stack.conn.bus.jsm.consumers.info(STREAMS.images.name, READ_MODEL_CONSUMER);
  assert.equal(info.ack_floor.stream_seq, after, 'the consumer itself acknowledged everything');

  await stack.startProjector();
  await appliedEverything(stack, READ_MODEL_CONSUMER);
  assert.equal(await dumpReadModels(stack.conn.mongo.db), truth, 'read models after the replay');
  const groups = await (await stack.request('/v1/groups?limit=10')).json();
  const counted = (groups as { items: { count: number }[] }).items.reduce((n, g) => n + g.count, 0);
  assert.equal(counted, first.length + later.length - 1);
});

test('the jobs projection resumes from its own checkpoint too', async () => {
  await using stack = await startTestStack({ projector: false });
  const db = stack.conn.mongo.db;
  const projection = createJobProjection(db);
  const checkpoint = mongoCheckpoint(db, JOB_PROJECTION_CONSUMER);
  const spec = jobProjectionConsumer(projection, checkpoint, silentLogger);
  const publisher = createNatsPublisher(stack.conn.bus.js, { source: 'test' });
  const request = (jobId: string) =>
    publisher.publish('pf.enhancement.requested', jobId, {
      jobId,
      spec: { source: { imageId: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7' }, model: 'esrgan-slim', scale: 2 },
    });
  const jobsIn = async (n: number) =>
    eventually(async () => assert.equal(await db.collection('jobs').countDocuments(), n), 10_000);

  let consumer = await startConsumer(stack.conn.bus, spec, { logger: silentLogger });
  await request('job-a');
  await request('job-b');
  await jobsIn(2);
  await eventually(async () => assert.equal(await checkpoint.load(), 2), 10_000);
  const kept = await db.collection('jobs').find({}).toArray();
  await request('job-c');
  await jobsIn(3);
  await eventually(async () => assert.equal(await checkpoint.load(), 3), 10_000);
  await consumer.stop();

  // The store loses job-c and the checkpoint's last write; the consumer's ack floor is at 3.
  await db.collection('jobs').deleteMany({});
  await db.collection('jobs').insertMany(kept);
  await db
    .collection<{ _id: string; seq: number }>(CHECKPOINT_COLLECTION)
    .updateOne({ _id: JOB_PROJECTION_CONSUMER }, { $set: { seq: 2 } });
  consumer = await startConsumer(stack.conn.bus, spec, { logger: silentLogger });
  await jobsIn(3);
  await eventually(async () => assert.equal(await checkpoint.load(), 3), 10_000);
  await consumer.stop();
});

test('a checkpoint ahead of the stream is refused with a message naming the repair', async () => {
  await using stack = await startTestStack({ projector: false });
  const checkpoint = mongoCheckpoint(stack.conn.mongo.db, 'ahead');
  await checkpoint.save(50);
  const spec = jobProjectionConsumer(createJobProjection(stack.conn.mongo.db), checkpoint, silentLogger);
  await assert.rejects(
    startConsumer(stack.conn.bus, { ...spec, name: 'ahead' }, { logger: silentLogger }),
    /recorded stream sequence 50, but PF_JOBS ends at 0.*projections rebuild/,
  );
});

test('writes wait for a journaled majority unless the URL says otherwise', async () => {
  await using stack = await startTestStack({ projector: false });
  const wc = stack.conn.mongo.client.options.writeConcern;
  assert.equal(wc?.w, DURABLE_WRITE_CONCERN.w);
  assert.equal(wc?.journal, true);
});

test('projections verify finds drift the store was given behind the projector’s back, and a rebuild clears it', async () => {
  await using stack = await startTestStack();
  const jpeg = await makeJpeg(16, 16);
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await upload(stack, `verify ${i % 2}`, jpeg));
  await stack.request(`/v1/images/${ids[1]}/status`, json('PUT', { status: 'accepted' }));
  await appliedEverything(stack, READ_MODEL_CONSUMER);
  const clean = await verifyProjections(stack.conn);
  assert.equal(clean.ok, true, JSON.stringify(clean));
  assert.equal(clean.collections.find((c) => c.collection === 'images')?.live, 4);

  const db = stack.conn.mongo.db;
  await db.collection<{ _id: string }>('images').deleteOne({ _id: ids[0]! });
  const group = (await db.collection('groups').findOne({}))!;
  await db.collection('groups').updateOne({ _id: group._id }, { $inc: { count: 5 } });
  const drift = await verifyProjections(stack.conn);
  assert.equal(drift.ok, false);
  const of = (name: string) => drift.collections.find((c) => c.collection === name)!;
  assert.deepEqual(of('images').missing, [ids[0]]);
  assert.deepEqual(of('groups').different, [String(group._id)]);
  assert.equal(of('daily_status_counts').drift, 0);

  await stack.stopProjector();
  await rebuildProjections(stack.config, stack.conn, silentLogger);
  assert.equal((await verifyProjections(stack.conn)).ok, true);
  const databases = (await stack.conn.mongo.client.db().admin().listDatabases()).databases.map((d) => d.name);
  assert.deepEqual(
    databases.filter((name) => name.startsWith(`${db.databaseName}_verify_`)),
    [],
    'the scratch databases are dropped',
  );
});
