import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUploadSlots } from './upload-slots.ts';
import { PixelforgeError } from '../errors/errors.ts';

test('at most `limit` uploads hold a slot; the next waits and gets a released one', async () => {
  const slots = createUploadSlots({ limit: 2, maxWaitMs: 1000 });
  const first = await slots.acquire();
  await slots.acquire();
  let third = false;
  const waiting = slots.acquire().then((release) => {
    third = true;
    return release;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false);
  assert.deepEqual([slots.active, slots.waiting], [2, 1]);
  first();
  (await waiting)();
  assert.equal(third, true);
  assert.deepEqual([slots.active, slots.waiting], [1, 0]);
});

test('a wait that lasts too long is a 503 unavailable, and leaves the queue', async () => {
  const slots = createUploadSlots({ limit: 1, maxWaitMs: 20 });
  await slots.acquire();
  await assert.rejects(
    slots.acquire(),
    (err: unknown) => err instanceof PixelforgeError && err.code === 'unavailable',
  );
  assert.equal(slots.waiting, 0);
});
