// The controller on a whole cluster: the API server plus the real job controller, garbage collector and
// scheduler, with pods that really run (a stand-in worker, see support/cluster.ts). `npm test` runs it on the
// local cluster; `KUBECONFIG=<file> npm run test:cluster` runs the same on any cluster.
// Unlike the other controller tests, nothing here writes Job or pod status: the cluster does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, kubeRequest } from '../internal/adapters/k8s/raw-client.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { FINALIZER } from '../internal/controller/reasons.ts';
import { API_VERSION, KIND, PLURAL, type EnhancementJob } from '../internal/resources/enhancement-job.ts';
import { startTestCluster } from './support/cluster.ts';
import { startControllerHarness } from './support/controller-harness.ts';
import { eventually } from './support/eventually.ts';
import type { WorkerJob } from './support/play-node.ts';

interface Pod {
  metadata: { name: string; labels?: Record<string, string> };
  spec: { nodeName?: string };
  status?: { phase?: string; containerStatuses?: { state?: { terminated?: { exitCode: number } } }[] };
}

interface KubeEvent {
  type: string;
  reason: string;
  eventTime: string;
  regarding: { kind: string; name: string };
}

const output = {
  blobKey: 'enhanced-slow-1',
  contentType: 'image/webp',
  size: 1234,
  width: 256,
  height: 256,
  sha256: 'b'.repeat(64),
};

test('the controller on a cluster with a job controller, a scheduler and running pods', async (t) => {
  await using cluster = await startTestCluster();
  t.diagnostic(`cluster: ${cluster.description}, namespace ${cluster.namespace}`);
  await using harness = await startControllerHarness(cluster.kubeConfig, cluster.namespace, cluster.worker);
  const { kubeConfig, namespace, podTimeoutMs } = cluster;
  const worker = createNatsPublisher(harness.bus.js, { source: 'pixelforge/worker' });
  const requester = createNatsPublisher(harness.bus.js, { source: 'test/requester' });
  const base = `/apis/${API_VERSION}/namespaces/${namespace}/${PLURAL}`;
  const getJob = (name: string) => kubeRequest<EnhancementJob>(kubeConfig, 'GET', `${base}/${name}`);
  const waitForPhase = (name: string, phase: string) =>
    eventually(
      async () => {
        const current = await getJob(name);
        assert.equal(current.status?.phase, phase, `${name}: ${current.status?.message}`);
        return current;
      },
      podTimeoutMs,
      100,
    );
  const list = async <T>(path: string, owner: string) =>
    (
      await kubeRequest<{ items: T[] }>(kubeConfig, 'GET', path, {
        query: { labelSelector: `pixelforge.io/job=${owner}` },
      })
    ).items;
  const workerJobs = (owner: string) => list<WorkerJob>(`/apis/batch/v1/namespaces/${namespace}/jobs`, owner);
  const pods = (owner: string) => list<Pod>(`/api/v1/namespaces/${namespace}/pods`, owner);
  const { eventsOf } = harness;
  /** The Kubernetes Events about a job (what `kubectl describe ej` lists), oldest first. */
  const describeEvents = async (name: string) => {
    const list = await kubeRequest<{ items: KubeEvent[] }>(
      kubeConfig,
      'GET',
      `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
    );
    return list.items
      .filter((e) => e.regarding.kind === KIND && e.regarding.name === name)
      .sort((a, b) => a.eventTime.localeCompare(b.eventTime))
      .map((e) => `${e.type} ${e.reason}`);
  };
  const create = (name: string, spec: Record<string, unknown> = {}) =>
    kubeRequest(kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name },
        spec: { source: { imageId: 'img' }, model: 'esrgan-slim', ...spec },
      },
    });
  let { manager, store } = await harness.start();

  await t.test('the API server refuses a bad spec', async () => {
    const err = await create('bad-spec', { scale: 16 }).then(
      () => assert.fail('accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof KubeApiError && err.code === 422, String(err));
  });

  await t.test('a request event runs a worker pod on a GPU node through to Succeeded', async () => {
    await requester.publish('pf.enhancement.requested', 'slow-1', {
      jobId: 'slow-1',
      spec: { source: { imageId: 'img' }, model: 'esrgan-slim', scale: 4 },
    });
    const running = await waitForPhase('slow-1', 'Running');
    assert.deepEqual(running.metadata.finalizers, [FINALIZER]);
    assert.equal(running.status?.workload, 'slow-1-1');
    const [pod] = await pods('slow-1');
    assert.equal(pod?.status?.phase, 'Running');
    if (cluster.gpuNode)
      assert.equal(pod.spec.nodeName, cluster.gpuNode, 'placed by GPU, selector, toleration');

    await worker.publish('pf.job.progress', 'slow-1', { jobId: 'slow-1', done: 3, total: 8, unit: 'tiles' });
    await eventually(async () =>
      assert.equal((await getJob('slow-1')).status?.progress?.summary, '3/8 tiles'),
    );
    await worker.publish('pf.job.succeeded', 'slow-1', {
      jobId: 'slow-1',
      imageId: 'img',
      output,
      durationMs: 5000,
    });
    const done = await waitForPhase('slow-1', 'Succeeded');
    assert.deepEqual(done.status?.output, output);
    assert.equal(done.status?.attempts, 1);
    const [job] = await workerJobs('slow-1');
    assert.equal(job?.status?.succeeded, 1, 'the job controller saw the pod exit 0');
    const writes = store.writes;
    await manager.reconcile('slow-1');
    await manager.reconcile('slow-1');
    assert.equal(store.writes, writes, 'a reconcile that learns nothing writes nothing');
    await eventually(async () =>
      assert.deepEqual(await describeEvents('slow-1'), [
        'Normal Scheduled',
        'Normal Running',
        'Normal Succeeded',
      ]),
    );
  });

  await t.test('exit 42 matches the pod failure policy: Failed for good, one pod, no retry', async () => {
    await create('perm-1');
    const failed = await waitForPhase('perm-1', 'Failed');
    assert.equal(failed.status?.attempts, 1);
    assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'PermanentFailure');
    const [job] = await workerJobs('perm-1');
    const jobFailed = (job?.status?.conditions as { type: string; reason: string }[]).find(
      (c) => c.type === 'Failed',
    );
    assert.equal(jobFailed?.reason, 'PodFailurePolicy');
    assert.equal((await pods('perm-1')).length, 1, 'the Job did not retry the pod');
    assert.equal((await workerJobs('perm-1')).length, 1, 'the controller did not retry the job');
    await eventually(async () => assert.equal((await describeEvents('perm-1')).at(-1), 'Warning Failed'));
  });

  await t.test('exit 1 is retried: by the Job up to its backoff limit, then by a new attempt', async () => {
    await create('flaky-1');
    const done = await waitForPhase('flaky-1', 'Succeeded');
    assert.equal(done.status?.attempts, 2);
    const jobs = await workerJobs('flaky-1');
    assert.deepEqual(jobs.map((j) => j.metadata.name).sort(), ['flaky-1-1', 'flaky-1-2']);
    const first = jobs.find((j) => j.metadata.name === 'flaky-1-1');
    assert.equal(first?.status?.failed, 2, 'backoffLimit 1: two pods failed in the first attempt');
    assert.deepEqual(
      eventsOf('flaky-1', 'pf.job.scheduled').map((e) => (e.data as { attempt: number }).attempt),
      [1, 2],
    );
    const described = await describeEvents('flaky-1');
    assert.ok(described.includes('Warning BackingOff'), described.join(', '));
    assert.equal(described.at(-1), 'Normal Succeeded');
  });

  await t.test('spec.cancel stops the running pod with SIGTERM; the Job is deleted', async () => {
    await create('hang-1');
    await waitForPhase('hang-1', 'Running');
    await kubeRequest(kubeConfig, 'PATCH', `${base}/hang-1`, {
      body: { spec: { cancel: true } },
      contentType: 'application/merge-patch+json',
    });
    await waitForPhase('hang-1', 'Cancelled');
    await eventually(
      async () => {
        assert.equal((await workerJobs('hang-1')).length, 0, 'the worker Job is gone');
        assert.equal((await pods('hang-1')).length, 0, 'and so is its pod');
      },
      podTimeoutMs,
      100,
    );
    assert.equal(eventsOf('hang-1', 'pf.job.cancelled').length, 1);
  });

  await t.test('deleting a running job stops its pod, then the finalizer lets it go', async () => {
    await create('hang-2');
    await waitForPhase('hang-2', 'Running');
    await kubeRequest(kubeConfig, 'DELETE', `${base}/hang-2`);
    await eventually(
      async () => {
        await assert.rejects(getJob('hang-2'), /404/);
        assert.equal((await workerJobs('hang-2')).length, 0);
        assert.equal((await pods('hang-2')).length, 0);
      },
      podTimeoutMs,
      100,
    );
    await eventually(() => assert.equal(eventsOf('hang-2', 'pf.job.cancelled').length, 1));
  });

  await t.test('a controller stopped mid-job and restarted finishes the job once', async () => {
    await create('slow-2');
    await waitForPhase('slow-2', 'Running');
    await manager.stop();
    ({ manager, store } = await harness.start());
    await waitForPhase('slow-2', 'Succeeded');
    assert.deepEqual(
      (await workerJobs('slow-2')).map((j) => j.metadata.name),
      ['slow-2-1'],
    );
    assert.equal(eventsOf('slow-2', 'pf.job.scheduled').length, 1);
    assert.equal((await getJob('slow-2')).status?.attempts, 1);
  });

  await t.test('at most maxRunning jobs hold a workload; waiting ones start by priority', async () => {
    // Three hanging jobs take every slot (maxRunning is 3), then five more wait with distinct priorities.
    for (const name of ['hang-cap-a', 'hang-cap-b', 'hang-cap-c']) await create(name);
    for (const name of ['hang-cap-a', 'hang-cap-b', 'hang-cap-c']) await waitForPhase(name, 'Running');
    const waiting = [
      ['ok-cap-1', 1],
      ['ok-cap-5', 5],
      ['ok-cap-3', 3],
      ['ok-cap-4', 4],
      ['ok-cap-2', 2],
    ] as const;
    for (const [name, priority] of waiting) await create(name, { priority });
    for (const [name] of waiting) {
      await eventually(async () => {
        const current = await getJob(name);
        assert.equal(current.status?.phase, 'Pending');
        assert.equal(
          current.status?.conditions?.find((c) => c.type === 'Scheduled')?.reason,
          'WaitingForCapacity',
        );
      }, podTimeoutMs);
    }
    // Watch how many jobs hold a workload while the queue drains through the one slot freed below.
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const all = await kubeRequest<{ items: EnhancementJob[] }>(kubeConfig, 'GET', base);
        // A job being deleted gives its slot back at once (its workload is being removed).
        const held = all.items.filter(
          (j) => !j.metadata.deletionTimestamp && ['Scheduled', 'Running'].includes(j.status?.phase ?? ''),
        );
        most = Math.max(most, held.length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await kubeRequest(kubeConfig, 'DELETE', `${base}/hang-cap-a`);
    for (const [name] of waiting) await waitForPhase(name, 'Succeeded');
    sampling = false;
    await sampler;
    assert.ok(most <= 3, `at most 3 jobs hold a workload at once, saw ${most}`);
    const order = harness.events
      .filter((e) => e.type === 'pf.job.scheduled' && e.subject.startsWith('ok-cap-'))
      .map((e) => e.subject);
    assert.deepEqual(order, ['ok-cap-5', 'ok-cap-4', 'ok-cap-3', 'ok-cap-2', 'ok-cap-1']);
    for (const name of ['hang-cap-b', 'hang-cap-c'])
      await kubeRequest(kubeConfig, 'DELETE', `${base}/${name}`);
  });

  await t.test('two controllers with leader election: each job gets exactly one worker Job', async () => {
    await manager.stop();
    await harness.start({ election: true, identity: 'controller-a' });
    await harness.start({ election: true, identity: 'controller-b' });
    const names = ['ok-lead-1', 'ok-lead-2', 'ok-lead-3', 'ok-lead-4'];
    for (const name of names) await create(name);
    for (const name of names) await waitForPhase(name, 'Succeeded');
    for (const name of names) {
      assert.deepEqual(
        (await workerJobs(name)).map((j) => j.metadata.name),
        [`${name}-1`],
      );
      assert.equal(eventsOf(name, 'pf.job.scheduled').length, 1);
    }
    const lease = await kubeRequest<{ spec: { holderIdentity?: string } }>(
      kubeConfig,
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/pixelforge-controller`,
    );
    assert.ok(['controller-a', 'controller-b'].includes(lease.spec.holderIdentity ?? ''));
  });
});
