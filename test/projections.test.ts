// Projection guarantees: replaying or rebuilding gives the same read models byte for byte, and a projector
// killed in the middle of the stream (SIGKILL, between writes) double-counts nothing when it comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { groupIdForName, newId } from '../internal/ids/ids.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { STREAMS } from '../internal/events/catalog.ts';
import { READ_MODEL_CONSUMER } from '../internal/projector/read-model-consumer.ts';
import { IMAGE_STATUSES } from '../internal/images/status.ts';
import { rebuildProjections } from '../internal/wiring/rebuild.ts';
import { startProjector } from '../internal/wiring/projector.ts';
import { createImageProjection, type SequencedEvent } from '../internal/adapters/mongo/image-projection.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { dumpReadModels } from './support/read-model-dump.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { eventually } from './support/eventually.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';

const json = (method: string, body: unknown) => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** The data of an upload event whose bytes the test never stores (projections do not read blobs). */
function fakeUpload(imageId: string, groupId: string, groupName: string, filename: string) {
  return {
    imageId,
    groupId,
    groupName,
    filename,
    contentType: 'image/jpeg' as const,
    size: 1,
    width: 1,
    height: 1,
    sha256: '0'.repeat(64),
    blobKey: imageId,
  };
}

/** Uploads, status changes, metadata edits and deletions through the HTTP API. */
async function makeHistory(stack: TestStack) {
  const jpeg = await makeJpeg(16, 16);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const res = await stack.request('/v1/images', {
      method: 'POST',
      body: uploadForm(jpeg, { group: `group ${i % 3}` }),
    });
    ids.push((await res.json()).id);
  }
  for (const [i, id] of ids.entries()) {
    await stack.request(`/v1/images/${id}/status`, json('PUT', { status: IMAGE_STATUSES[i % 4] }));
    if (i % 5 === 0) await stack.request(`/v1/images/${id}`, json('PATCH', { tags: ['x'] }));
  }
  await stack.request(`/v1/images/${ids[1]}`, { method: 'DELETE' });
  await stack.request(`/v1/images/${ids[2]}/status`, json('PUT', { status: 'accepted' }));
  return ids;
}

async function caughtUp(stack: TestStack) {
  const latest = await stack.conn.progress.latestPublished();
  assert.ok(await stack.conn.progress.waitFor(latest, 20_000), 'projector did not catch up');
}

test('replaying the stream leaves the read models byte-for-byte the same', async () => {
  await using stack = await startTestStack();
  await makeHistory(stack);
  await caughtUp(stack);
  const original = await dumpReadModels(stack.conn.mongo.db);
  assert.match(original, /"deleted"/);

  // Replay everything over the existing read models: every write is guarded by the stream sequence.
  await stack.stopProjector();
  await stack.conn.bus.jsm.consumers.delete(STREAMS.images.name, READ_MODEL_CONSUMER);
  await stack.startProjector();
  await caughtUp(stack);
  assert.equal(await dumpReadModels(stack.conn.mongo.db), original, 'replay over existing read models');

  // Rebuild from nothing, twice.
  await stack.stopProjector();
  for (let i = 0; i < 2; i++) {
    await rebuildProjections(stack.config, stack.conn, silentLogger);
    assert.equal(await dumpReadModels(stack.conn.mongo.db), original, `rebuild ${i + 1}`);
  }
});

const IMAGES = 600;

test('a projector killed mid-stream and restarted counts every event once', async () => {
  await using stack = await startTestStack({ projector: false });
  const events = createNatsPublisher(stack.conn.bus.js, { source: 'test' });
  const groups = ['alpha', 'beta', 'gamma', 'delta'];
  for (const name of groups)
    await events.publish('pf.group.created', groupIdForName(name), { groupId: groupIdForName(name), name });
  const expected = { new: 0, review: 0, accepted: 0, deleted: 0 };
  for (let i = 0; i < IMAGES; i++) {
    const imageId = newId();
    const name = groups[i % groups.length]!;
    await events.publish(
      'pf.image.uploaded',
      imageId,
      fakeUpload(imageId, groupIdForName(name), name, `${i}.jpg`),
    );
    const status = IMAGE_STATUSES[i % 4]!;
    if (status !== 'new') await events.publish('pf.image.status_changed', imageId, { imageId, status });
    if (i % 10 === 9) await events.publish('pf.image.deleted', imageId, { imageId, blobKeys: [] });
    else expected[status]++;
  }
  const total = await stack.conn.progress.latestPublished();

  const env = {
    ...process.env,
    NATS_URL: stack.config.NATS_URL,
    MONGO_URL: stack.config.MONGO_URL,
    MONGO_DB: stack.config.MONGO_DB,
    LOG_LEVEL: 'error',
    PIXELFORGE_HEALTH_PORT: '0',
  };
  const runProjector = () =>
    spawn(process.execPath, [...TS_ENTRY_ARGS, 'cmd/projector/main.ts'], { env, stdio: 'ignore' });
  const first = runProjector();
  await eventually(
    async () => {
      const info = await stack.conn.bus.jsm.consumers.info(STREAMS.images.name, READ_MODEL_CONSUMER);
      assert.ok(info.ack_floor.stream_seq > total / 4, 'some progress');
    },
    30_000,
    5,
  );
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const applied = (await stack.conn.bus.jsm.consumers.info(STREAMS.images.name, READ_MODEL_CONSUMER))
    .ack_floor.stream_seq;
  assert.ok(applied < total, `killed mid-stream (${applied} of ${total} applied)`);

  const second = runProjector();
  try {
    assert.ok(await stack.conn.progress.waitFor(total, 60_000), 'the restarted projector caught up');
  } finally {
    second.kill('SIGTERM');
    await new Promise((r) => second.once('exit', r));
  }
  const stats = await (await stack.request('/v1/statistics')).json();
  assert.deepEqual(stats, expected);
  const page = await (await stack.request('/v1/groups?limit=10')).json();
  assert.equal(
    page.items.reduce((n: number, g: { count: number }) => n + g.count, 0),
    IMAGES - IMAGES / 10,
  );
  const afterRestart = await dumpReadModels(stack.conn.mongo.db);
  await rebuildProjections(stack.config, stack.conn, silentLogger);
  assert.equal(await dumpReadModels(stack.conn.mongo.db), afterRestart, 'same as a clean rebuild');
});

test('a batch that fails after its counter writes is finished exactly once when redelivered', async () => {
  await using stack = await startTestStack({ projector: false });
  const projection = createImageProjection(stack.conn.models);
  const events = createNatsPublisher(stack.conn.bus.js, { source: 'test' });
  const items: SequencedEvent[] = [];
  const record = async (...args: Parameters<typeof events.publish>) => {
    const { seq } = await events.publish(...args);
    const message = await stack.conn.bus.jsm.streams.getMessage(STREAMS.images.name, { seq });
    items.push({ event: message!.json(), seq });
  };
  const groupId = groupIdForName('crashy');
  await record('pf.group.created', groupId, { groupId, name: 'crashy' });
  const ids = [newId(), newId()];
  for (const imageId of ids) {
    await record('pf.image.uploaded', imageId, fakeUpload(imageId, groupId, 'crashy', 'a.jpg'));
  }
  await record('pf.image.status_changed', ids[0]!, { imageId: ids[0]!, status: 'accepted' });
  await record('pf.image.deleted', ids[1]!, { imageId: ids[1]!, blobKeys: [] });

  // The first attempt dies after the group, day and tombstone writes, before the image writes.
  const images = stack.conn.models.images;
  const bulkWrite = images.bulkWrite.bind(images);
  images.bulkWrite = (async () => {
    throw new Error('crash before the image writes');
  }) as typeof images.bulkWrite;
  await assert.rejects(projection.applyBatch(items), /crash before the image writes/);
  images.bulkWrite = bulkWrite;
  // Redelivered, in smaller batches than before.
  await projection.applyBatch(items.slice(0, 2));
  await projection.applyBatch(items.slice(2));
  const afterCrash = await dumpReadModels(stack.conn.mongo.db);

  await stack.conn.mongo.db.dropDatabase();
  await projection.applyBatch(items);
  assert.equal(afterCrash, await dumpReadModels(stack.conn.mongo.db), 'same as a run without the crash');
  const group = await stack.conn.models.groups.findOne({ _id: groupId });
  assert.deepEqual([group?.count, group?.statusCounts], [1, { new: 0, review: 0, accepted: 1, deleted: 0 }]);
});

test('two projectors on one stream: one writes the read models, the other takes over when it stops', async () => {
  await using stack = await startTestStack();
  const standby = await startProjector(stack.config, stack.conn, silentLogger);
  try {
    await eventually(() =>
      assert.equal([stack.projector!.isLeader, standby.isLeader].filter(Boolean).length, 1),
    );
    const events = createNatsPublisher(stack.conn.bus.js, { source: 'test' });
    const groupId = groupIdForName('pair');
    await events.publish('pf.group.created', groupId, { groupId, name: 'pair' });
    const publishUploads = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const imageId = newId();
        await events.publish('pf.image.uploaded', imageId, fakeUpload(imageId, groupId, 'pair', `${i}.jpg`));
        await events.publish('pf.image.status_changed', imageId, { imageId, status: 'review' });
      }
    };
    await publishUploads(200);
    await caughtUp(stack);
    // The leader stops; the standby takes the lease and carries on from the same durable consumer.
    const leaderWasFirst = stack.projector!.isLeader;
    await (leaderWasFirst ? stack.stopProjector() : standby.stop());
    await publishUploads(100);
    // The ack floor moves only after a batch's last write (counters are written before images).
    await caughtUp(stack);
    const stats = await (await stack.request('/v1/statistics')).json();
    assert.deepEqual(stats, { new: 0, review: 300, accepted: 0, deleted: 0 });
    const viaTwo = await dumpReadModels(stack.conn.mongo.db);
    if (leaderWasFirst) await standby.stop();
    else await stack.stopProjector();
    await rebuildProjections(stack.config, stack.conn, silentLogger);
    assert.equal(await dumpReadModels(stack.conn.mongo.db), viaTwo, 'same as one projector from scratch');
  } finally {
    await standby.stop();
  }
});
