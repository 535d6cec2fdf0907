// The reconcile queue: one run per key at a time, re-runs for changes made meanwhile, retries with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../telemetry/logger.ts';
import { createWorkQueue } from './work-queue.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

test('a key is never processed twice at once, and a change during processing runs it again', async () => {
  let running = 0;
  let maxRunning = 0;
  const runs: string[] = [];
  let release!: () => void;
  const queue = createWorkQueue({
    concurrency: 4,
    logger: silentLogger,
    process: async (key) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs.push(key);
      if (runs.length === 1) await new Promise<void>((r) => (release = r));
      running--;
    },
  });
  queue.start();
  queue.add('a');
  await tick();
  queue.add('a');
  queue.add('a');
  await tick();
  assert.deepEqual(runs, ['a'], 'not again while the first run is in progress');
  release();
  await tick(20);
  assert.deepEqual(runs, ['a', 'a'], 'exactly one more run for the changes made meanwhile');
  assert.equal(maxRunning, 1);
  await queue.stop();
});

test('failures are retried with growing delays; addAndWait resolves on the first success', async () => {
  const attempts: number[] = [];
  const queue = createWorkQueue({
    concurrency: 1,
    logger: silentLogger,
    baseBackoffMs: 10,
    process: async () => {
      attempts.push(Date.now());
      if (attempts.length < 3) throw new Error('not yet');
    },
  });
  queue.start();
  await queue.addAndWait('k', 5000);
  assert.equal(attempts.length, 3);
  // Timers never fire early, so each gap is at least its backoff (10 ms, then 20 ms); comparing the two gaps
  // with each other failed when a loaded machine ran the first timer late.
  assert.ok(attempts[1]! - attempts[0]! >= 9, `first retry after ${attempts[1]! - attempts[0]!} ms`);
  assert.ok(attempts[2]! - attempts[1]! >= 19, `second retry after ${attempts[2]! - attempts[1]!} ms`);
  await queue.stop();
});

test('requeueAfter brings a key back; the earliest of two requests wins', async () => {
  let runs = 0;
  const queue = createWorkQueue({
    logger: silentLogger,
    process: async () => (++runs === 1 ? { requeueAfterMs: 20 } : {}),
  });
  queue.start();
  queue.add('k');
  queue.addAfter('k', 10_000);
  await tick(80);
  assert.equal(runs, 2);
  await queue.stop();
});
