// A stand-in for `cmd/worker run` in the local runtime's tests: it reads the same environment contract and
// does what the job's model name says — `exit-<code>`, or `sleep` until SIGTERM (then exit 43 like the
// real worker). With `report` in the model name it publishes progress and success as a worker would; with
// `gated` it first waits until the test creates the file `<PIXELFORGE_MODELS_DIR>/gated/open-<job id>`.
import { WorkerExit, WorkerJobEnv } from '../../internal/jobs/worker-contract.ts';

const job = WorkerJobEnv.parse(process.env);
const model = job.PIXELFORGE_JOB_SPEC.model;
process.on('SIGTERM', () => process.exit(WorkerExit.Cancelled));

if (model.includes('gated')) {
  const { existsSync } = await import('node:fs');
  const gate = `${process.env.PIXELFORGE_MODELS_DIR}/gated/open-${job.PIXELFORGE_JOB_ID}`;
  while (!existsSync(gate)) await new Promise((resolve) => setTimeout(resolve, 20));
}

if (model.includes('report') && process.env.NATS_URL) {
  const { connectBus } = await import('../../internal/adapters/nats/connect.ts');
  const { createNatsPublisher } = await import('../../internal/adapters/nats/publisher.ts');
  const bus = await connectBus(process.env.NATS_URL, { name: 'fake-worker', provision: false });
  const events = createNatsPublisher(bus.js, { source: 'pixelforge/worker' });
  const jobId = job.PIXELFORGE_JOB_ID;
  await events.publish('pf.job.progress', jobId, { jobId, done: 1, total: 2, unit: 'tiles' });
  await events.publish('pf.job.succeeded', jobId, {
    jobId,
    output: {
      blobKey: `enhanced-${jobId}`,
      contentType: 'image/webp',
      size: 10,
      width: 4,
      height: 4,
      sha256: '0'.repeat(64),
    },
    durationMs: 1,
  });
  await bus.close();
}

const exit = /exit-(\d+)/.exec(model);
if (exit) process.exit(Number(exit[1]));
if (model.includes('sleep')) setInterval(() => {}, 60_000);
else process.exit(WorkerExit.Succeeded);
