// The controller against a real kube-apiserver and nats-server, the test playing the node: requests become
// EnhancementJobs, jobs become worker Jobs, Job status and worker reports become EnhancementJob status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeRequest } from '../internal/adapters/k8s/raw-client.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { FINALIZER } from '../internal/controller/reasons.ts';
import { API_VERSION, KIND, PLURAL, type EnhancementJob } from '../internal/resources/enhancement-job.ts';
import { eventually } from './support/eventually.ts';
import { startControllerKube } from './support/controller-kube.ts';
import { startControllerHarness } from './support/controller-harness.ts';
import { playNode } from './support/play-node.ts';

const output = {
  blobKey: 'enhanced-cat-x4',
  contentType: 'image/webp',
  size: 1234,
  width: 256,
  height: 256,
  sha256: 'a'.repeat(64),
};

test('controller lifecycle on a real API server', async (t) => {
  await using kube = await startControllerKube('pf');
  await using harness = await startControllerHarness(kube.kubeConfig, kube.namespace);
  const node = playNode(kube.kubeConfig, kube.namespace);
  const worker = createNatsPublisher(harness.bus.js, { source: 'pixelforge/worker' });
  const requester = createNatsPublisher(harness.bus.js, { source: 'test/requester' });
  const base = `/apis/${API_VERSION}/namespaces/${kube.namespace}/${PLURAL}`;
  const getJob = (name: string) => kubeRequest<EnhancementJob>(kube.kubeConfig, 'GET', `${base}/${name}`);
  const phaseOf = async (name: string) => (await getJob(name)).status?.phase;
  const { eventsOf } = harness;
  let { manager, store } = await harness.start();

  await t.test('a request event becomes a resource, a worker Job and a Scheduled status', async () => {
    await requester.publish('pf.enhancement.requested', 'cat-x4', {
      jobId: 'cat-x4',
      spec: { source: { imageId: '01JCAT' }, model: 'esrgan-slim', scale: 4 },
    });
    const [job] = await eventually(async () => {
      const jobs = await node.jobs('cat-x4');
      assert.equal(jobs.length, 1);
      return jobs;
    }, 45_000);
    const ej = await getJob('cat-x4');
    assert.deepEqual(ej.metadata.finalizers, [FINALIZER]);
    assert.equal(job!.metadata.name, 'cat-x4-1');
    assert.equal(job!.metadata.ownerReferences?.[0]?.uid, ej.metadata.uid, 'owned by its EnhancementJob');
    const spec = job!.spec;
    assert.equal(spec.backoffLimit, 1);
    assert.equal(spec.activeDeadlineSeconds, 600);
    assert.equal(spec.ttlSecondsAfterFinished, 300);
    assert.deepEqual(spec.podFailurePolicy.rules[0], {
      action: 'FailJob',
      onExitCodes: { containerName: 'worker', operator: 'In', values: [42] },
    });
    const pod = spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.nodeSelector, { 'nvidia.com/gpu.present': 'true' });
    assert.equal(pod.tolerations[0].key, 'nvidia.com/gpu');
    const container = pod.containers[0];
    assert.equal(container.resources.limits['nvidia.com/gpu'], '1');
    const env = Object.fromEntries(
      container.env.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    assert.equal(env.PIXELFORGE_JOB_ID, 'cat-x4');
    assert.equal(env.PIXELFORGE_JOB_ATTEMPT, '1');
    assert.equal(env.PIXELFORGE_WORKLOAD_NAME, 'cat-x4-1');
    assert.equal(JSON.parse(env.PIXELFORGE_JOB_SPEC).model, 'esrgan-slim');
    // A GPU worker runs the provider the default image has, with the toolkit's Vulkan driver mounted.
    assert.equal(env.PIXELFORGE_PROVIDER, 'webgpu');
    assert.match(env.NVIDIA_DRIVER_CAPABILITIES, /graphics/);

    const scheduled = await eventually(async () => {
      const current = await getJob('cat-x4');
      assert.equal(current.status?.phase, 'Scheduled');
      return current;
    }, 30_000);
    assert.equal(scheduled.status?.attempts, 1);
    assert.equal(scheduled.status?.observedGeneration, 1);
    const condition = scheduled.status?.conditions?.find((c) => c.type === 'Scheduled');
    assert.equal(condition?.status, 'True');
    assert.equal(condition?.reason, 'WorkloadCreated');
    assert.equal(condition?.observedGeneration, 1);
    await eventually(() => assert.equal(eventsOf('cat-x4', 'pf.job.scheduled').length, 1));
  });

  await t.test('the same request again (redelivered or re-published) creates nothing new', async () => {
    await requester.publish('pf.enhancement.requested', 'cat-x4', {
      jobId: 'cat-x4',
      spec: { source: { imageId: '01JCAT' }, model: 'esrgan-slim', scale: 4 },
    });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await node.jobs('cat-x4')).length, 1);
    assert.equal((await getJob('cat-x4')).metadata.generation, 1);
  });

  await t.test('running and progress reports show in status; reconciling twice writes nothing', async () => {
    await node.running('cat-x4-1');
    await worker.publish('pf.job.progress', 'cat-x4', { jobId: 'cat-x4', done: 3, total: 8, unit: 'tiles' });
    const running = await eventually(async () => {
      const current = await getJob('cat-x4');
      assert.equal(current.status?.phase, 'Running');
      assert.equal(current.status?.progress?.summary, '3/8 tiles');
      return current;
    }, 30_000);
    assert.ok(running.status?.startedAt);
    const writes = store.writes;
    await manager.reconcile('cat-x4');
    await manager.reconcile('cat-x4');
    assert.equal(store.writes, writes, 'a reconcile that learns nothing writes nothing');
  });

  await t.test(
    'success: the Job completes, the worker reports its output, the job is Succeeded',
    async () => {
      await worker.publish('pf.job.succeeded', 'cat-x4', {
        jobId: 'cat-x4',
        imageId: '01JCAT',
        output,
        durationMs: 1200,
      });
      await node.succeeded('cat-x4-1');
      const done = await eventually(async () => {
        const current = await getJob('cat-x4');
        assert.equal(current.status?.phase, 'Succeeded');
        assert.deepEqual(current.status?.output, output);
        return current;
      }, 30_000);
      assert.ok(done.status?.completedAt);
      assert.equal(done.status?.progress?.summary, '8/8 tiles');
      assert.equal(done.status?.conditions?.find((c) => c.type === 'Succeeded')?.status, 'True');
      const writes = store.writes;
      await manager.reconcile('cat-x4');
      await manager.reconcile('cat-x4');
      assert.equal(store.writes, writes);
    },
  );

  await t.test('a resource created directly (kubectl apply) is reconciled the same way', async () => {
    await kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'applied' },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
      },
    });
    await eventually(async () => assert.equal(await phaseOf('applied'), 'Scheduled'), 30_000);
    assert.deepEqual(
      (await node.jobs('applied')).map((j) => j.metadata.name),
      ['applied-1'],
    );
    await node.succeeded('applied-1');
    await eventually(async () => assert.equal(await phaseOf('applied'), 'Succeeded'), 30_000);
  });

  await t.test('an applied job naming a model no worker has fails at once, saying which exist', async () => {
    await kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'typo' },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slm' },
      },
    });
    const failed = await eventually(async () => {
      const current = await getJob('typo');
      assert.equal(current.status?.phase, 'Failed');
      return current;
    }, 30_000);
    const condition = failed.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(condition?.reason, 'InvalidSpec');
    assert.match(
      condition?.message ?? '',
      /invalid_spec: model "esrgan-slm" is not installed; choose one of .*esrgan-slim/,
    );
    const [event] = await eventually(async () => {
      const events = eventsOf('typo', 'pf.job.failed');
      assert.equal(events.length, 1);
      return events;
    }, 10_000);
    assert.equal((event!.data as { code: string }).code, 'invalid_spec');
    assert.deepEqual(await node.jobs('typo'), [], 'no worker Job for a spec no worker can run');
  });

  await t.test('a scale the model lacks fails the same way, naming its scales', async () => {
    await kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'scale-5' },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim', scale: 5 },
      },
    });
    const failed = await eventually(async () => {
      const current = await getJob('scale-5');
      assert.equal(current.status?.phase, 'Failed');
      return current;
    }, 30_000);
    const condition = failed.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(condition?.reason, 'InvalidSpec');
    assert.match(condition?.message ?? '', /scale 5 is not one of esrgan-slim's native scales \(.*4.*\)/);
    assert.deepEqual(await node.jobs('scale-5'), []);
  });

  await t.test('exit code 42 fails the job for good: no second attempt', async () => {
    await kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'corrupt' },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
      },
    });
    await eventually(async () => assert.equal((await node.jobs('corrupt')).length, 1), 30_000);
    await worker.publish('pf.job.failed', 'corrupt', {
      jobId: 'corrupt',
      code: 'corrupt_image',
      reason: 'the input is not an image',
      retryable: false,
    });
    await node.failed('corrupt-1', 42);
    const failed = await eventually(async () => {
      const current = await getJob('corrupt');
      assert.equal(current.status?.phase, 'Failed');
      return current;
    }, 30_000);
    const condition = failed.status?.conditions?.find((c) => c.type === 'Failed');
    assert.equal(condition?.reason, 'PermanentFailure');
    assert.match(failed.status?.message ?? '', /corrupt_image/);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await node.jobs('corrupt')).length, 1, 'never retried');
    await eventually(() => assert.equal(eventsOf('corrupt', 'pf.job.failed').length, 2));
  });

  await t.test(
    'retryable failures get new attempts after a backoff, until the attempts run out',
    async () => {
      await kubeRequest(kube.kubeConfig, 'POST', base, {
        body: {
          apiVersion: API_VERSION,
          kind: KIND,
          metadata: { name: 'flaky' },
          spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
        },
      });
      for (const attempt of [1, 2, 3]) {
        await eventually(async () => assert.equal((await node.jobs('flaky')).length, attempt), 30_000);
        if (attempt < 3) {
          await node.failed(`flaky-${attempt}`, 1);
          await eventually(async () => {
            const current = await getJob('flaky');
            assert.equal(current.status?.phase, 'Pending');
            assert.equal(
              current.status?.conditions?.find((c) => c.type === 'Scheduled')?.reason,
              'BackingOff',
            );
          }, 30_000).catch(() => {}); // the backoff is short: the next attempt may already be there
        }
      }
      await node.failed('flaky-3', 1);
      const failed = await eventually(async () => {
        const current = await getJob('flaky');
        assert.equal(current.status?.phase, 'Failed');
        return current;
      }, 30_000);
      assert.equal(failed.status?.attempts, 3);
      assert.equal(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason, 'RetriesExhausted');
      assert.deepEqual(
        eventsOf('flaky', 'pf.job.scheduled').map((e) => (e.data as { attempt: number }).attempt),
        [1, 2, 3],
      );
    },
  );

  await t.test('cancel: spec.cancel stops the workload; a cancel request event does the same', async () => {
    for (const name of ['stop-me', 'stop-me-too']) {
      await kubeRequest(kube.kubeConfig, 'POST', base, {
        body: {
          apiVersion: API_VERSION,
          kind: KIND,
          metadata: { name },
          spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
        },
      });
      await eventually(async () => assert.equal((await node.jobs(name)).length, 1), 30_000);
    }
    await kubeRequest(kube.kubeConfig, 'PATCH', `${base}/stop-me`, {
      body: { spec: { cancel: true } },
      contentType: 'application/merge-patch+json',
    });
    await requester.publish('pf.enhancement.cancel_requested', 'stop-me-too', { jobId: 'stop-me-too' });
    for (const name of ['stop-me', 'stop-me-too']) {
      await eventually(async () => {
        assert.equal(await phaseOf(name), 'Cancelled');
        assert.equal((await node.jobs(name)).length, 0, 'the worker Job is deleted');
      }, 30_000);
      await eventually(() => assert.equal(eventsOf(name, 'pf.job.cancelled').length, 1));
    }
  });

  await t.test('cancel by deleting: the finalizer removes the workload, then the resource goes', async () => {
    await kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'delete-me' },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
      },
    });
    await eventually(async () => assert.equal((await node.jobs('delete-me')).length, 1), 30_000);
    await kubeRequest(kube.kubeConfig, 'DELETE', `${base}/delete-me`);
    await eventually(async () => {
      await assert.rejects(getJob('delete-me'), /404/);
      assert.equal((await node.jobs('delete-me')).length, 0);
    }, 30_000);
    await eventually(() => assert.equal(eventsOf('delete-me', 'pf.job.cancelled').length, 1));
  });

  await t.test('a controller restarted mid-job picks it up and finishes it once', async () => {
    await kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name: 'survivor' },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
      },
    });
    await eventually(async () => assert.equal((await node.jobs('survivor')).length, 1), 30_000);
    await node.running('survivor-1');
    await eventually(async () => assert.equal(await phaseOf('survivor'), 'Running'), 30_000);
    await manager.stop();
    await node.succeeded('survivor-1');
    ({ manager, store } = await harness.start());
    await eventually(async () => assert.equal(await phaseOf('survivor'), 'Succeeded'), 30_000);
    assert.deepEqual(
      (await node.jobs('survivor')).map((j) => j.metadata.name),
      ['survivor-1'],
    );
    assert.equal(eventsOf('survivor', 'pf.job.scheduled').length, 1);
    assert.equal((await getJob('survivor')).status?.attempts, 1);
  });
});
