// 200 EnhancementJobs at once against a real API server: every one runs exactly once, never more than the
// cap at a time, and each free slot goes to the highest-priority job still waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kubeRequest } from '../internal/adapters/k8s/raw-client.ts';
import { API_VERSION, KIND, PLURAL, type EnhancementJob } from '../internal/resources/enhancement-job.ts';
import { eventually } from './support/eventually.ts';
import { startControllerKube } from './support/controller-kube.ts';
import { startControllerHarness } from './support/controller-harness.ts';
import { playNode, type WorkerJob } from './support/play-node.ts';

const JOBS = 200;
const CAP = 10;
/** Spread over -5..5, in an order unrelated to creation order. */
const priorityOf = (i: number) => ((i * 7919) % 11) - 5;

test('200 jobs: the cap holds and priorities decide who runs next', async () => {
  await using kube = await startControllerKube('pf');
  await using harness = await startControllerHarness(kube.kubeConfig, kube.namespace);
  const node = playNode(kube.kubeConfig, kube.namespace);
  const base = `/apis/${API_VERSION}/namespaces/${kube.namespace}/${PLURAL}`;
  const priority = new Map<string, number>();

  // All of them exist before the controller starts, so the order it picks is fully determined.
  for (let i = 0; i < JOBS; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, JOBS - i) }, (_, k) => {
        const name = `job-${String(i + k).padStart(3, '0')}`;
        priority.set(name, priorityOf(i + k));
        return kubeRequest(kube.kubeConfig, 'POST', base, {
          body: {
            apiVersion: API_VERSION,
            kind: KIND,
            metadata: { name },
            spec: { source: { imageId: name }, model: 'esrgan-slim', priority: priorityOf(i + k) },
          },
        });
      }),
    );
  }
  await harness.start({ settings: { maxRunning: CAP, concurrency: 8 } });

  const finished = new Set<string>();
  const ownerOf = (job: WorkerJob) => job.metadata.labels!['pixelforge.io/job']!;
  while (finished.size < JOBS) {
    const expected = Math.min(CAP, JOBS - finished.size);
    // Polled by hand rather than with eventually(): going over the cap must fail at once, not be retried.
    let running: WorkerJob[] = [];
    for (const deadline = Date.now() + 20_000; ;) {
      running = (await node.jobs()).filter((j) => !finished.has(ownerOf(j)));
      assert.ok(running.length <= CAP, `${running.length} workloads at once, more than the cap of ${CAP}`);
      if (running.length === expected) break;
      assert.ok(Date.now() < deadline, `only ${running.length} of ${expected} workloads after 60 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const waiting = [...priority.keys()].filter(
      (name) => !finished.has(name) && !running.some((j) => ownerOf(j) === name),
    );
    const lowestRunning = Math.min(...running.map((j) => priority.get(ownerOf(j))!));
    const highestWaiting = Math.max(-Infinity, ...waiting.map((name) => priority.get(name)!));
    assert.ok(
      lowestRunning >= highestWaiting,
      `a job of priority ${lowestRunning} runs while one of priority ${highestWaiting} waits`,
    );
    await Promise.all(running.map((j) => node.succeeded(j.metadata.name)));
    for (const j of running) finished.add(ownerOf(j));
  }

  const all = await kubeRequest<{ items: EnhancementJob[] }>(kube.kubeConfig, 'GET', base);
  await eventually(async () => {
    const current = await kubeRequest<{ items: EnhancementJob[] }>(kube.kubeConfig, 'GET', base);
    assert.ok(current.items.every((j) => j.status?.phase === 'Succeeded'));
  }, 60_000);
  assert.equal(all.items.length, JOBS);
  const workloads = await node.jobs();
  assert.equal(workloads.length, JOBS, 'exactly one worker Job per EnhancementJob');
});
