// The progress reporter: at most one event per interval, the final step always, in order, failures contained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressReporter } from './progress-reporter.ts';

test('publishes the first step, then at most one per interval, and always the last', async () => {
  let clock = 0;
  const published: string[] = [];
  const reporter = createProgressReporter({
    publish: async (done, total) => void published.push(`${done}/${total}`),
    onError: (err) => assert.fail(String(err)),
    minIntervalMs: 500,
    now: () => clock,
  });
  for (let done = 1; done <= 10; done++) {
    reporter.report(done, 10);
    clock += 120; // 10 tiles in 1.2 s
  }
  await reporter.flush();
  assert.deepEqual(published, ['1/10', '6/10', '10/10']);
});

test('events are published in the order reported even when a publish is slow', async () => {
  let clock = 0;
  const published: number[] = [];
  const reporter = createProgressReporter({
    publish: (done) =>
      new Promise((resolve) => setTimeout(() => resolve(void published.push(done)), done === 1 ? 30 : 0)),
    onError: () => {},
    minIntervalMs: 1,
    now: () => (clock += 10),
  });
  reporter.report(1, 3);
  reporter.report(2, 3);
  reporter.report(3, 3);
  await reporter.flush();
  assert.deepEqual(published, [1, 2, 3]);
});

test('a failed publish is reported and does not stop later ones', async () => {
  const errors: unknown[] = [];
  const published: number[] = [];
  let clock = 0;
  const reporter = createProgressReporter({
    publish: async (done) => {
      if (done === 1) throw new Error('bus down');
      published.push(done);
    },
    onError: (err) => errors.push(err),
    now: () => (clock += 1000),
  });
  reporter.report(1, 2);
  reporter.report(2, 2);
  await reporter.flush();
  assert.equal(errors.length, 1);
  assert.deepEqual(published, [2]);
});
