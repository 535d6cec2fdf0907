import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.ts';

const FAST = { memory: 1024, passes: 1, parallelism: 1, tagLength: 32 };

test('argon2id hashes: PHC strings, salted, verified only by the same password', async () => {
  const one = await hashPassword('correct horse battery', FAST);
  const two = await hashPassword('correct horse battery', FAST);
  assert.match(one, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  assert.notEqual(one, two, 'a new salt each time');
  assert.equal(await verifyPassword('correct horse battery', one), true);
  assert.equal(await verifyPassword('correct horse batterz', one), false);
  assert.equal(await verifyPassword('', one), false);
  // Unicode is normalised: the same word typed two ways is the same password.
  const composed = await hashPassword('caf\u00e9 au lait time', FAST);
  assert.equal(await verifyPassword('cafe\u0301 au lait time', composed), true);
});

test('no account: false after the same work as a real check; garbage hashes never verify', async () => {
  assert.equal(await verifyPassword('anything at all', null), false);
  assert.equal(await verifyPassword('anything at all', 'plain text'), false);
  assert.equal(await verifyPassword('x', '$argon2i$v=19$m=1024,t=1,p=1$AAAA$AAAA'), false);
});

test('weaker parameters ask for a rehash', async () => {
  assert.equal(needsRehash(await hashPassword('correct horse battery', FAST)), true);
  assert.equal(needsRehash(await hashPassword('correct horse battery')), false);
  assert.equal(needsRehash('not a hash'), true);
});

test('the password policy names what is wrong', () => {
  assert.match(passwordProblem('short', 'ana@example.com')!, /at least 12 characters \(it has 5\)/);
  assert.match(passwordProblem('x'.repeat(257), 'ana@example.com')!, /at most 256/);
  assert.match(passwordProblem('ana@example.com', 'ana@example.com')!, /e-mail/);
  assert.match(passwordProblem('my name is annabelle!', 'Annabelle@example.com')!, /e-mail/);
  assert.match(passwordProblem('aaaaaaaaaaaaaaaa', 'ana@example.com')!, /repeats too few/);
  assert.equal(passwordProblem('a long enough passphrase', 'ana@example.com'), null);
});
