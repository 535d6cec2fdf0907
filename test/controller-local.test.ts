// The local mode: EnhancementJobs in a NATS KV bucket (revision = resourceVersion), workers as child
// processes (a fake worker choosing its exit code), leader election over a KV key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectBus } from '../internal/adapters/nats/connect.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { createKvResourceStore } from '../internal/adapters/nats/kv-resource-store.ts';
import { createKvLeaseLock } from '../internal/adapters/nats/kv-lease-lock.ts';
import { createLocalWorkloadRuntime } from '../internal/adapters/local-runtime/local-workload-runtime.ts';
import { createControllerManager, type ControllerManager } from '../internal/controller/manager.ts';
import { CONTROLLER_SOURCE } from '../internal/jobs/job-view.ts';
import {
  ResourceConflictError,
  ResourceExistsError,
  type ResourceStore,
  type WatchEvent,
} from '../internal/ports/resource-store.ts';
import { newEnhancementJob, type EnhancementJob } from '../internal/resources/enhancement-job.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { controllerConsumers } from '../internal/wiring/controller-consumers.ts';
import { countWrites, TEST_SETTINGS } from './support/controller-harness.ts';
import { eventually } from './support/eventually.ts';
import { startNatsServer } from '../internal/adapters/local-servers/nats-server.ts';
import { tsEntryCommand } from '../internal/wiring/typescript-entry.ts';

const fakeWorker = tsEntryCommand('test/support/fake-worker.ts');

test('local mode: NATS KV resources and child-process workers', async (t) => {
  await using nats = await startNatsServer();
  await using bus = await connectBus(nats.url, { name: 'controller-local-test' });
  const store = await createKvResourceStore(bus, { namespace: 'local', logger: silentLogger });
  const job = (name: string, model: string, priority = 0) =>
    newEnhancementJob(name, { source: { imageId: 'img' }, model, priority });

  await t.test('the KV store keeps Kubernetes semantics', async () => {
    const seen: WatchEvent<EnhancementJob>[] = [];
    const snapshot = await store.list();
    const watch = store.watch(snapshot.resourceVersion, (e) => seen.push(e));
    const created = await store.create(job('kv-a', 'm'));
    assert.equal(created.metadata.generation, 1);
    assert.ok(created.metadata.uid && created.metadata.creationTimestamp);
    await assert.rejects(store.create(job('kv-a', 'm')), ResourceExistsError);

    const withFinalizer = await store.update({
      ...created,
      metadata: { ...created.metadata, finalizers: ['x'] },
    });
    assert.equal(withFinalizer.metadata.generation, 1, 'metadata changes keep the generation');
    await assert.rejects(
      store.updateStatus({ ...created, status: { phase: 'Running' } }),
      ResourceConflictError,
    );
    const status = await store.updateStatus({ ...withFinalizer, status: { phase: 'Running' } });
    assert.equal(status.metadata.generation, 1, 'status writes keep the generation');
    const respecced = await store.update({ ...status, spec: { ...status.spec, priority: 5 } });
    assert.equal(respecced.metadata.generation, 2, 'a spec change bumps the generation');
    assert.equal(respecced.status?.phase, 'Running', 'update leaves status alone');

    assert.equal(await store.delete('kv-a'), true);
    const deleting = (await store.get('kv-a'))!;
    assert.ok(deleting.metadata.deletionTimestamp, 'a finalizer holds the deletion');
    await store.update({ ...deleting, metadata: { ...deleting.metadata, finalizers: [] } });
    assert.equal(await store.get('kv-a'), null, 'the last finalizer lets it go');
    assert.equal(await store.delete('kv-a'), false);

    await eventually(() => assert.deepEqual(seen.at(-1)?.type, 'DELETED'));
    assert.ok(seen.length >= 5, `the watch saw every write (${seen.length})`);
    watch.stop();
    await watch.done;
  });

  const managers: ControllerManager[] = [];
  const startLocal = async (options: { maxRunning?: number; election?: string } = {}) => {
    const counted = countWrites(store);
    const manager = createControllerManager({
      store: counted as ResourceStore,
      runtime: createLocalWorkloadRuntime({
        maxProcesses: options.maxRunning ?? 4,
        env: { NATS_URL: nats.url },
        command: fakeWorker,
        graceMs: 2000,
        logger: silentLogger,
      }),
      publisher: createNatsPublisher(bus.js, { source: CONTROLLER_SOURCE }),
      ...(options.election ? { lock: await createKvLeaseLock(bus, 'local.pixelforge-controller') } : {}),
      identity: options.election ?? 'local',
      startConsumers: controllerConsumers(bus, silentLogger),
      settings: { ...TEST_SETTINGS, maxRunning: options.maxRunning ?? 4 },
      logger: silentLogger,
    });
    managers.push(manager);
    await manager.start();
    return { manager, store: counted };
  };
  t.after(() => Promise.allSettled(managers.map((m) => m.stop())));
  const phaseOf = async (name: string) => (await store.get(name))?.status?.phase;

  await t.test('workers succeed, fail for good (42) or are retried (1) by their exit code', async () => {
    const { manager, store: counted } = await startLocal();
    await store.create(job('ok', 'report-exit-0'));
    await store.create(job('broken', 'exit-42'));
    await store.create(job('flaky', 'exit-1'));
    const ok = await eventually(async () => {
      const current = (await store.get('ok'))!;
      assert.equal(current.status?.phase, 'Succeeded');
      assert.equal(current.status?.output?.blobKey, 'enhanced-ok');
      return current;
    }, 45_000);
    assert.equal(ok.status?.attempts, 1);
    const broken = await eventually(async () => {
      const current = (await store.get('broken'))!;
      assert.equal(current.status?.phase, 'Failed');
      return current;
    }, 45_000);
    assert.equal(broken.status?.attempts, 1, 'exit 42 is never retried');
    const flaky = await eventually(async () => {
      const current = (await store.get('flaky'))!;
      assert.equal(current.status?.phase, 'Failed');
      return current;
    }, 30_000);
    assert.equal(flaky.status?.attempts, 3);
    assert.equal(flaky.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'RetriesExhausted');

    const writes = counted.writes;
    await manager.reconcile('ok');
    await manager.reconcile('ok');
    assert.equal(counted.writes, writes, 'a second reconcile writes nothing');
    await manager.stop();
  });

  await t.test('the cap limits running processes; cancel stops one; priorities pick the next', async () => {
    const { manager } = await startLocal({ maxRunning: 2 });
    await store.create(job('sleep-a', 'sleep'));
    await store.create(job('sleep-b', 'sleep'));
    await eventually(async () => {
      assert.equal(await phaseOf('sleep-a'), 'Running');
      assert.equal(await phaseOf('sleep-b'), 'Running');
    }, 45_000);
    await store.create(job('low', 'exit-0', -1));
    await store.create(job('high', 'sleep', 9));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await phaseOf('high'), 'Pending');
    assert.equal(manager.admission!.active(), 2);

    const a = (await store.get('sleep-a'))!;
    await store.update({ ...a, spec: { ...a.spec, cancel: true } });
    await eventually(async () => assert.equal(await phaseOf('sleep-a'), 'Cancelled'), 30_000);
    await eventually(async () => assert.equal(await phaseOf('high'), 'Running'), 30_000);
    assert.equal(await phaseOf('low'), 'Pending', 'the higher priority went first');

    assert.equal(await store.delete('sleep-b'), true);
    await eventually(async () => assert.equal(await store.get('sleep-b'), null), 30_000);
    await eventually(async () => assert.equal(await phaseOf('low'), 'Succeeded'), 45_000);
    await manager.stop();
  });

  await t.test('two local controllers: a KV lease lets one act', async () => {
    const a = await startLocal({ election: 'local-a' });
    const b = await startLocal({ election: 'local-b' });
    const leader = await eventually(() => {
      const leaders = [a, b].filter((c) => c.manager.isLeader);
      assert.equal(leaders.length, 1);
      return leaders[0]!;
    }, 30_000);
    const standby = leader === a ? b : a;
    await store.create(job('elected', 'exit-0'));
    await eventually(async () => assert.equal(await phaseOf('elected'), 'Succeeded'), 45_000);
    assert.equal(standby.store.writes, 0);
    await leader.manager.stop();
    await eventually(() => assert.ok(standby.manager.isLeader), 30_000);
    await store.create(job('elected-2', 'exit-0'));
    await eventually(async () => assert.equal(await phaseOf('elected-2'), 'Succeeded'), 45_000);
  });
});
