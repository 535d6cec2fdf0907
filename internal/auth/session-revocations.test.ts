// The cache in front of the revoked-sessions lookup: an ended session stays ended, a live one is asked again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionRevocations } from './session-revocations.ts';

test('ended sessions are remembered; live ones are asked again after liveForMs', async () => {
  const revoked = new Set<string>();
  let asked = 0;
  let clock = 0;
  const revocations = createSessionRevocations(
    async (sid) => {
      asked++;
      return revoked.has(sid);
    },
    { liveForMs: 1000, max: 2, now: () => clock },
  );
  assert.equal(await revocations.ended('a'), false);
  revoked.add('a');
  assert.equal(await revocations.ended('a'), false, 'within liveForMs the cached answer stands');
  clock = 1000;
  assert.equal(await revocations.ended('a'), true, 'another replica’s logout is seen after liveForMs');
  assert.equal(asked, 2);
  clock = 10_000_000;
  assert.equal(await revocations.ended('a'), true);
  assert.equal(asked, 2, 'an ended session is never asked about again');
  revocations.mark('b');
  assert.equal(await revocations.ended('b'), true, 'this process’s own logout counts at once');
  await revocations.ended('c');
  assert.equal(await revocations.ended('b'), true);
  assert.equal(await revocations.ended('a'), true, 'evicted (max 2) and asked again: still ended');
  assert.equal(asked, 4);
});
