// Stopping work the way people do: cancelling a running job, and Ctrl-C of `npm start` (`pixelforge up`) with
// a job running. One tile of RRDBNet takes seconds of inference that cannot be interrupted; neither may wait
// for it, end with SIGKILL, or log errors. Also: two stacks started at the same moment each get servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../internal/adapters/local-servers/free-port.ts';
import { eventually } from './support/eventually.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { startUp, type UpProcess } from './support/up-process.ts';

interface LogLine {
  level: string;
  msg: string;
  job?: string;
  exitCode?: number;
  signal?: string | null;
}

const removeDir = (dir: string) => rm(dir, { recursive: true, force: true, maxRetries: 5 });

const logLines = (up: UpProcess): LogLine[] =>
  up
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

/** Starts a one-tile RRDBNet job and resolves once its tile is being computed (progress 0/1). */
async function startSlowJob(up: UpProcess, imageId: string): Promise<string> {
  const res = await up.request('/v1/enhancements', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ imageId, model: 'realesrgan-x4plus', tile: { size: 128, pad: 0 } }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  await eventually(
    async () => {
      const view = (await (await up.request(`/v1/enhancements/${id}`)).json()) as {
        progress: { done: number; total: number } | null;
      };
      assert.deepEqual(view.progress && [view.progress.done, view.progress.total], [0, 1]);
    },
    90_000,
    50,
  );
  return id;
}

test('cancel and Ctrl-C stop a worker mid-tile at once, by SIGTERM, with no error lines', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pf-shutdown-'));
  const up = await startUp(dataDir, { LOG_LEVEL: 'info', PIXELFORGE_THREADS: '1' }).catch(async (err) => {
    await removeDir(dataDir);
    throw err;
  });
  let stopped = false;
  // One hook, in order: the stack is gone before its data directory is removed.
  t.after(async () => {
    if (!stopped) await up.kill9();
    await removeDir(dataDir);
  });
  const upload = await up.request('/v1/images', {
    method: 'POST',
    body: uploadForm(await makeJpeg(128, 128), { group: 'slow' }),
  });
  assert.equal(upload.status, 201);
  const { id: imageId } = (await upload.json()) as { id: string };
  const exitOf = (job: string) =>
    logLines(up).find((line) => line.msg === 'worker exited' && line.job === job);

  await t.test('DELETE reaches the worker as SIGTERM; it ends without finishing its tile', async () => {
    const job = await startSlowJob(up, imageId);
    assert.equal((await up.request(`/v1/enhancements/${job}`, { method: 'DELETE' })).status, 202);
    const exit = await eventually(() => exitOf(job) ?? assert.fail('the worker has not exited'), 60_000);
    assert.equal(exit.signal, 'SIGTERM', JSON.stringify(exit));
    const view = await eventually(async () => {
      const current = (await (await up.request(`/v1/enhancements/${job}`)).json()) as {
        phase: string;
        progress: { done: number };
      };
      assert.equal(current.phase, 'Cancelled');
      return current;
    });
    assert.equal(view.progress.done, 0, 'the tile was never finished');
  });

  await t.test('Ctrl-C with a job running: exit 0, the worker stopped by the signal, no errors', async () => {
    const job = await startSlowJob(up, imageId);
    const code = await up.interrupt();
    stopped = true;
    assert.equal(code, 0, up.output().slice(-3000));
    const exit = exitOf(job);
    assert.ok(exit, `no "worker exited" line for ${job}`);
    assert.ok(exit.signal === 'SIGINT' || exit.signal === 'SIGTERM', JSON.stringify(exit));
    const bad = logLines(up).filter((line) => line.level === 'error' || /lease/i.test(line.msg));
    assert.deepEqual(bad, [], 'error lines while stopping');
  });
});

test('two stacks started at the same moment on the same preferred ports both come up, each with its own servers', async (t) => {
  const env = {
    PIXELFORGE_NATS_PORT: String(await freePort()),
    PIXELFORGE_MONGO_PORT: String(await freePort()),
  };
  const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), 'pf-twin-'))));
  const stacks = await Promise.allSettled(dirs.map((dir) => startUp(dir, env)));
  t.after(async () => {
    await Promise.all(stacks.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    await Promise.all(dirs.map(removeDir));
  });
  const [a, b] = stacks.map((s) => (s.status === 'fulfilled' ? s.value : assert.fail(String(s.reason))));
  assert.notEqual(a!.natsUrl, b!.natsUrl);
  assert.notEqual(a!.mongoUrl, b!.mongoUrl);
  // One of them got the preferred ports, and the other said in a line that it took others.
  const said = [a!, b!].map((s) => s.output()).join('\n');
  assert.match(said, /port \d+ is taken; NATS listens on another one/);
  const upload = await a!.request('/v1/images', {
    method: 'POST',
    body: uploadForm(await makeJpeg(), { group: 'twin' }),
  });
  assert.equal(upload.status, 201);
  const { id } = (await upload.json()) as { id: string };
  assert.equal((await b!.request(`/v1/images/${id}`)).status, 404, 'the second stack has its own data');
});
