// The download caps: never more than the global or the per-host number at once; paused hosts wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHostLimiter } from './host-limiter.ts';
import { backoffMs, withRetries } from './retry.ts';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

test('at most `perHost` per host and `global` in all run at once; all finish', async () => {
  const limiter = createHostLimiter({ global: 5, perHost: 2 });
  const now = new Map<string, number>();
  let peakTotal = 0;
  const peakHost = new Map<string, number>();
  let total = 0;
  const task = (host: string) =>
    limiter.run(host, async () => {
      total++;
      now.set(host, (now.get(host) ?? 0) + 1);
      peakTotal = Math.max(peakTotal, total);
      peakHost.set(host, Math.max(peakHost.get(host) ?? 0, now.get(host)!));
      await tick(Math.random() * 10);
      total--;
      now.set(host, now.get(host)! - 1);
      return host;
    });
  const hosts = ['a', 'b', 'c', 'd'];
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) => task(hosts[i % 4]!)));
  assert.equal(results.length, 60);
  assert.equal(peakTotal, 5);
  assert.deepEqual([...peakHost.values()], [2, 2, 2, 2]);
  assert.equal(limiter.queued(), 0);
});

test('a paused host waits for its pause while others go on; an abort leaves the queue', async () => {
  const limiter = createHostLimiter({ global: 4, perHost: 1 });
  const order: string[] = [];
  limiter.pause('slow', 60);
  const started = Date.now();
  const paused = limiter.run('slow', async () => order.push('slow'));
  await limiter.run('fast', async () => order.push('fast'));
  await paused;
  assert.deepEqual(order, ['fast', 'slow']);
  assert.ok(Date.now() - started >= 55, 'the paused host started after its pause');
  const controller = new AbortController();
  const blocker = limiter.run('x', () => tick(50));
  const waiting = limiter.run('x', async () => 'never', controller.signal);
  controller.abort(new Error('cancelled'));
  await assert.rejects(waiting, /cancelled/);
  await blocker;
  assert.equal(limiter.queued(), 0);
});

test('retries: backoff with jitter, Retry-After honoured, final errors at once', async () => {
  assert.equal(
    backoffMs(1, { attempts: 4, baseMs: 100, maxMs: 1000 }, () => 1),
    100,
  );
  assert.equal(
    backoffMs(4, { attempts: 4, baseMs: 100, maxMs: 1000 }, () => 1),
    800,
  );
  assert.equal(
    backoffMs(9, { attempts: 9, baseMs: 100, maxMs: 1000 }, () => 1),
    1000,
  );
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  let calls = 0;
  const { value, attempts } = await withRetries(
    async () => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('busy'), { retryable: true, retryAfterMs: 5000 });
      if (calls === 2) throw Object.assign(new Error('reset'), { retryable: true });
      return 'ok';
    },
    { policy: { attempts: 4, baseMs: 10, maxMs: 100 }, sleep },
  );
  assert.deepEqual([value, attempts], ['ok', 3]);
  assert.equal(waits[0], 5000, 'the server’s Retry-After, longer than the backoff');
  assert.ok(waits[1]! <= 20);
  const final = Object.assign(new Error('404'), { retryable: false });
  await assert.rejects(
    withRetries(async () => Promise.reject(final), { sleep }),
    (err: Error & { attempts: number }) => err.attempts === 1,
  );
  await assert.rejects(
    withRetries(async () => Promise.reject(Object.assign(new Error('500'), { retryable: true })), {
      policy: { attempts: 3, baseMs: 1, maxMs: 1 },
      sleep,
    }),
    (err: Error & { attempts: number }) => err.attempts === 3,
  );
});

test('a task that releases its slot early lets the next one start while it finishes', async () => {
  const limiter = createHostLimiter({ global: 1, perHost: 1 });
  const order: string[] = [];
  let finishFirst!: () => void;
  const first = limiter.run('h', async (release) => {
    order.push('first downloaded');
    release();
    release(); // twice is once
    await new Promise<void>((resolve) => (finishFirst = resolve));
    order.push('first stored');
  });
  const second = limiter.run('h', async () => void order.push('second started'));
  await second;
  assert.deepEqual(order, ['first downloaded', 'second started']);
  assert.deepEqual(limiter.inFlight(), new Map());
  finishFirst();
  await first;
  assert.deepEqual(limiter.inFlight(), new Map(), 'the slot is not given back twice');
  await limiter.run('h', async () => order.push('third'));
  assert.equal(order.at(-1), 'third');
});

test('tasks finishing after an early release hold back new ones past `global + finishing` alive', async () => {
  const limiter = createHostLimiter({ global: 1, perHost: 1, finishing: 1 });
  const order: string[] = [];
  const ends: (() => void)[] = [];
  const task = (name: string) =>
    limiter.run('h', async (release) => {
      order.push(`${name} started`);
      release();
      await new Promise<void>((resolve) => ends.push(resolve));
    });
  const all = ['a', 'b', 'c'].map(task);
  await tick(20);
  assert.deepEqual(order, ['a started', 'b started'], 'c waits: two are alive, both finishing');
  assert.deepEqual([limiter.finishing(), limiter.queued()], [2, 1]);
  ends[0]!();
  await tick(20);
  assert.deepEqual(order, ['a started', 'b started', 'c started']);
  ends[1]!();
  await tick(20);
  ends[2]!();
  await Promise.all(all);
  assert.deepEqual([limiter.finishing(), limiter.queued()], [0, 0]);
});
