// The EventBus adapter against a real nats-server: de-duplication, outcomes, dead letters, restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectBus } from '../internal/adapters/nats/connect.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { startConsumer } from '../internal/adapters/nats/consumer.ts';
import { createWatermark } from '../internal/adapters/nats/watermark.ts';
import { STREAMS } from '../internal/events/catalog.ts';
import { ack, reject, retry, type Delivery } from '../internal/ports/event-bus.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { ValidationError } from '../internal/errors/errors.ts';
import { startNatsServer } from '../internal/adapters/local-servers/nats-server.ts';
import { eventually } from './support/eventually.ts';
import { createNatsJobEventFeed } from '../internal/adapters/nats/job-event-feed.ts';

const group = (n: number) => ({ groupId: `G${n}`, name: `group ${n}` });

test('the event bus on a real nats-server', async (t) => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url, { name: 'test' });
  const publisher = createNatsPublisher(bus.js, { source: 'test' });

  await t.test('a retried publish with the same id is stored once', async () => {
    const first = await publisher.publish('pf.group.created', 'G1', group(1), { id: 'EVT-1' });
    const second = await publisher.publish('pf.group.created', 'G1', group(1), { id: 'EVT-1' });
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);
    const info = await bus.jsm.streams.info(STREAMS.images.name);
    assert.equal(info.state.messages, 1);
  });

  await t.test('an event that breaks its schema is refused before publishing', async () => {
    await assert.rejects(
      publisher.publish('pf.image.status_changed', 'X', { imageId: 'X', status: 'bogus' as 'new' }),
      ValidationError,
    );
  });

  await t.test(
    'ack, retry and reject outcomes; poison messages are dead-lettered with the reason',
    async () => {
      const seen: string[] = [];
      let failuresLeft = 2;
      const consumer = await startConsumer(
        bus,
        {
          name: 'outcomes',
          stream: STREAMS.images.name,
          concurrency: 1,
          handler: async ({ event }: Delivery) => {
            if (event.type !== 'pf.group.created') return ack;
            if (event.data.name === 'group 3' && failuresLeft-- > 0) return retry('not yet', 50);
            if (event.data.name === 'group 4') return reject('group 4 is poison');
            if (event.data.name === 'group 5' && failuresLeft-- > -2) throw new Error('boom');
            seen.push(event.data.name);
            return ack;
          },
        },
        { logger: silentLogger, restartDelayMs: 50 },
      );
      await publisher.publish('pf.group.created', 'G3', group(3));
      await publisher.publish('pf.group.created', 'G4', group(4));
      await bus.js.publish('pf.group.created', 'this is not json');
      await publisher.publish('pf.group.created', 'G5', group(5));
      await eventually(() => assert.deepEqual(seen, ['group 1', 'group 3', 'group 5']), 15_000);
      await consumer.stop();

      const dlq = await bus.jsm.streams.info(STREAMS.deadLetters.name);
      assert.equal(dlq.state.messages, 2);
      const poison = await bus.jsm.streams.getMessage(STREAMS.deadLetters.name, { seq: 1 });
      assert.equal(poison?.header.get('Pixelforge-Dead-Letter-Reason'), 'group 4 is poison');
      const garbage = await bus.jsm.streams.getMessage(STREAMS.deadLetters.name, { seq: 2 });
      assert.match(garbage?.header.get('Pixelforge-Dead-Letter-Reason') ?? '', /^not JSON/);
    },
  );

  await t.test(
    'a stopped consumer resumes where it left off, and the watermark follows its acks',
    async () => {
      const names: string[] = [];
      const spec = {
        name: 'resume',
        stream: STREAMS.images.name,
        concurrency: 1,
        handler: async ({ event }: Delivery) => {
          if (event.type === 'pf.group.created') names.push(event.data.name);
          return ack;
        },
      };
      const first = await startConsumer(bus, spec, { logger: silentLogger });
      await eventually(() => assert.equal(names.length, 4));
      await first.stop();
      const receipt = await publisher.publish('pf.group.created', 'G6', group(6));
      const watermark = createWatermark(bus.jsm, STREAMS.images.name, 'resume');
      assert.equal(await watermark.waitFor(receipt.seq, 200), false, 'nothing applies while stopped');
      const second = await startConsumer(bus, spec, { logger: silentLogger });
      assert.equal(await watermark.waitFor(receipt.seq, 5000), true);
      assert.deepEqual(names, ['group 1', 'group 3', 'group 4', 'group 5', 'group 6']);
      await second.stop();
    },
  );
});

test('a consumer keeps consuming after nats-server restarts', async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url, { name: 'test' });
  const publisher = createNatsPublisher(bus.js, { source: 'test' });
  const names: string[] = [];
  const consumer = await startConsumer(
    bus,
    {
      name: 'survivor',
      stream: STREAMS.images.name,
      concurrency: 1,
      handler: async ({ event }: Delivery) => {
        if (event.type === 'pf.group.created') names.push(event.data.name);
        return ack;
      },
    },
    { logger: silentLogger, heartbeatMs: 1000, restartDelayMs: 100 },
  );
  await publisher.publish('pf.group.created', 'G1', group(1));
  await eventually(() => assert.deepEqual(names, ['group 1']));
  await nats.kill();
  await nats.restart();
  await eventually(() => publisher.publish('pf.group.created', 'G2', group(2)), 15_000, 200);
  await eventually(() => assert.deepEqual(names, ['group 1', 'group 2']), 20_000);
  await consumer.stop();
});

test('the job event feed: an event published as soon as subscribe resolves is delivered', async () => {
  await using nats = await startNatsServer();
  await using listening = await connectBus(nats.url, { name: 'feed' });
  await using other = await connectBus(nats.url, { name: 'publisher', provision: false });
  const feed = createNatsJobEventFeed(listening);
  const publisher = createNatsPublisher(other.js, { source: 'test' });
  // Each round starts from no listener, so each subscribe opens a new NATS subscription, and the event goes out
  // from another connection the moment subscribe resolves: what the SSE stream does between its subscription
  // and its snapshot read. Without the subscription confirmed by the server, some rounds miss their event.
  for (let round = 0; round < 30; round++) {
    const jobId = `feed-${round}`;
    const seen: string[] = [];
    const unsubscribe = await feed.subscribe(jobId, (event) => seen.push(event.type));
    await publisher.publish('pf.job.started', jobId, { jobId, attempt: 1 });
    await eventually(() => assert.deepEqual(seen, ['pf.job.started']), 5000);
    unsubscribe();
  }
});

test('the job event feed reads back the stored events of one job since a sequence, in order', async () => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url, { name: 'since' });
  const publisher = createNatsPublisher(bus.js, { source: 'test' });
  const feed = createNatsJobEventFeed(bus);
  const first = await publisher.publish('pf.job.scheduled', 'a', { jobId: 'a', attempt: 1 });
  await publisher.publish('pf.job.scheduled', 'b', { jobId: 'b', attempt: 1 });
  const started = await publisher.publish('pf.job.started', 'a', { jobId: 'a', attempt: 1 });
  await publisher.publish('pf.job.progress', 'a', { jobId: 'a', done: 1, total: 2, unit: 'tiles' });
  // A snapshot that has applied `first` asks for what came after it: the other job's events are not included.
  const after = await feed.since('a', first.seq + 1);
  assert.deepEqual(
    after.map((e) => e.type),
    ['pf.job.started', 'pf.job.progress'],
  );
  assert.deepEqual(await feed.since('a', started.seq + 2), []);
});
