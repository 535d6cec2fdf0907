// Controller benchmark: 500 `pf.enhancement.requested` events → 500 worker Jobs on a real kube-apiserver,
// against a baseline measured in the same run: the same 500 Jobs created directly, as fast as the same
// number of concurrent clients can. Run: node --import tsx test/bench/controller.bench.ts [jobs]
import { pathToFileURL } from 'node:url';
import { kubeRequest } from '../../internal/adapters/k8s/raw-client.ts';
import { kubeWatch } from '../../internal/adapters/k8s/raw-watch.ts';
import { buildWorkerJob } from '../../internal/adapters/k8s/worker-job.ts';
import { createNatsPublisher } from '../../internal/adapters/nats/publisher.ts';
import { newEnhancementJob } from '../../internal/resources/enhancement-job.ts';
import { startControllerHarness, testWorkerSettings } from '../support/controller-harness.ts';
import { startControllerKube } from '../support/controller-kube.ts';

const CONCURRENCY = 8;

interface Run {
  seconds: number;
  perSecond: number;
  p50ms: number;
  p95ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** Runs both measurements and returns the table for BENCHMARKS.md. */
export async function benchController(jobs = 500): Promise<string> {
  await using kube = await startControllerKube('pf');
  await kubeRequest(kube.kubeConfig, 'POST', '/api/v1/namespaces', {
    body: { metadata: { name: 'baseline' } },
  });

  /** Watches Jobs in `namespace` and resolves with the arrival time of each by name, once `count` arrived. */
  const arrivals = async (namespace: string, count: number) => {
    const list = await kubeRequest<{ metadata: { resourceVersion: string } }>(
      kube.kubeConfig,
      'GET',
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
    );
    const seen = new Map<string, number>();
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const watch = kubeWatch(
      kube.kubeConfig,
      `/apis/batch/v1/namespaces/${namespace}/jobs`,
      { resourceVersion: list.metadata.resourceVersion },
      (event) => {
        const name = (event.object.metadata as { name?: string } | undefined)?.name;
        if (event.type === 'ADDED' && name && !seen.has(name)) {
          seen.set(name, performance.now());
          if (seen.size >= count) done();
        }
      },
    );
    return { seen, all: all.finally(() => watch.stop()) };
  };

  const measure = async (
    namespace: string,
    start: (name: string) => Promise<unknown>,
    jobName: (name: string) => string,
  ): Promise<Run> => {
    const names = Array.from({ length: jobs }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    const { seen, all } = await arrivals(namespace, jobs);
    const sentAt = new Map<string, number>();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < names.length) {
          const name = names[next++]!;
          sentAt.set(name, performance.now());
          await start(name);
        }
      }),
    );
    await all;
    const seconds = (Math.max(...seen.values()) - t0) / 1000;
    const latencies = names.map((n) => seen.get(jobName(n))! - sentAt.get(n)!).sort((a, b) => a - b);
    return {
      seconds,
      perSecond: jobs / seconds,
      p50ms: percentile(latencies, 0.5),
      p95ms: percentile(latencies, 0.95),
    };
  };

  // Baseline: the worker Job manifests the controller would build, created directly.
  const settings = testWorkerSettings('baseline');
  const baseline = await measure(
    'baseline',
    (name) => {
      const job = newEnhancementJob(name, { source: { imageId: name }, model: 'esrgan-slim' });
      job.metadata.uid = '00000000-0000-0000-0000-000000000000';
      return kubeRequest(kube.kubeConfig, 'POST', '/apis/batch/v1/namespaces/baseline/jobs', {
        body: buildWorkerJob(job, 1, settings),
      });
    },
    (name) => `${name}-1`,
  );

  await using harness = await startControllerHarness(kube.kubeConfig, kube.namespace);
  await harness.start({ settings: { maxRunning: jobs, concurrency: CONCURRENCY } });
  const publisher = createNatsPublisher(harness.bus.js, { source: 'bench' });
  const controller = await measure(
    kube.namespace,
    (name) =>
      publisher.publish('pf.enhancement.requested', name, {
        jobId: name,
        spec: { source: { imageId: name }, model: 'esrgan-slim' },
      }),
    (name) => `${name}-1`,
  );

  const row = (label: string, r: Run) =>
    `  ${label.padEnd(34)}${r.seconds.toFixed(2).padStart(8)}${r.perSecond.toFixed(0).padStart(9)}${r.p50ms
      .toFixed(0)
      .padStart(9)}${r.p95ms.toFixed(0).padStart(9)}`;
  return [
    `controller: ${jobs} requests → worker Jobs, real kube-apiserver + etcd, ${CONCURRENCY} concurrent clients / reconciles`,
    `  ${'path'.padEnd(34)}${'s'.padStart(8)}${'jobs/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}`,
    row('baseline: POST the Job directly', baseline),
    row('event → EnhancementJob → Job', controller),
    `  ratio (controller time / baseline time): ${(controller.seconds / baseline.seconds).toFixed(2)}`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchController(Number(process.argv[2] ?? 500)));
}
