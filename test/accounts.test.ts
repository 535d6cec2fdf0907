// Accounts against a real Mongo-wire server (or MONGO_URL): registration, login, refresh rotation with reuse
// detection, logout, and the same refusal for an unknown e-mail and a wrong password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAccounts } from '../internal/auth/accounts.ts';
import { createAccessTokens, generateSigningKey } from '../internal/auth/access-tokens.ts';
import { createAccountsStore } from '../internal/adapters/mongo/accounts-store.ts';
import { startTestStack } from './support/stack.ts';

const refused = (code: string, message: RegExp) => (err: Error & { code?: string }) => {
  assert.equal(err.code, code);
  assert.match(err.message, message);
  return true;
};

test('accounts: register, log in, refresh with rotation, reuse revokes the family, logout', async (t) => {
  await using stack = await startTestStack({ projector: false });
  const store = createAccountsStore(stack.conn.mongo.db);
  await store.ensureIndexes();
  const tokens = await createAccessTokens({
    keys: [await generateSigningKey()],
    issuer: 'https://pixelforge.test',
    audience: 'pixelforge-api',
  });
  let now = new Date();
  const accounts = createAccounts({ store, tokens, refreshTtlMs: 60_000, now: () => now });
  const password = 'a long enough passphrase';

  await t.test('registration: e-mail unique case-insensitively, the policy enforced', async () => {
    const ana = await accounts.register({ email: 'Ana@Example.com', password });
    assert.equal(ana.role, 'user');
    assert.equal(ana.email, 'Ana@Example.com');
    assert.equal('passwordHash' in ana, false, 'the hash never leaves the service');
    await assert.rejects(
      accounts.register({ email: ' ana@example.COM ', password }),
      refused('conflict', /an account with this e-mail address exists/),
    );
    await assert.rejects(
      accounts.register({ email: 'bo@example.com', password: 'short' }),
      refused('validation_failed', /at least 12/),
    );
    await assert.rejects(
      accounts.register({ email: 'not-an-email', password }),
      refused('validation_failed', /e-mail/),
    );
    await assert.rejects(
      accounts.register({ email: 'bo@example.com', password: 42 }),
      refused('validation_failed', /password/),
    );
    const stored = await store.userByEmailKey('ana@example.com');
    assert.match(stored!.passwordHash, /^\$argon2id\$/);
  });

  await t.test('login: the same refusal for an unknown e-mail and a wrong password', async () => {
    const session = await accounts.login({ email: 'ANA@example.com', password });
    const claims = await tokens.verify(session.accessToken);
    assert.equal(claims.sub, session.user.id);
    assert.match(session.refreshToken, /^pfr_[A-Za-z0-9_-]{43}$/);
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => assert.fail('the login was accepted'),
        (e: Error & { code?: string }) => [e.code, e.message],
      );
    const wrong = await failure(accounts.login({ email: 'ana@example.com', password: 'not the password' }));
    const unknown = await failure(accounts.login({ email: 'nobody@example.com', password }));
    assert.deepEqual(wrong, unknown);
    assert.equal(wrong[0], 'unauthorized');
  });

  await t.test('refresh rotates; a token used twice ends every session of its login', async () => {
    const first = await accounts.login({ email: 'ana@example.com', password });
    const second = await accounts.refresh(first.refreshToken);
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal((await tokens.verify(second.accessToken)).sid, (await tokens.verify(first.accessToken)).sid);
    const third = await accounts.refresh(second.refreshToken);
    // The first token again (a thief's copy): refused, and the family's newest token dies with it.
    await assert.rejects(accounts.refresh(first.refreshToken), refused('unauthorized', /already used/));
    await assert.rejects(
      accounts.refresh(third.refreshToken),
      refused('unauthorized', /not valid: log in again/),
    );
    // Another login (another family) is untouched.
    const other = await accounts.login({ email: 'ana@example.com', password });
    await accounts.refresh(other.refreshToken);
  });

  await t.test('two concurrent uses of one token: one session, then the family is revoked', async () => {
    const session = await accounts.login({ email: 'ana@example.com', password });
    const results = await Promise.allSettled([
      accounts.refresh(session.refreshToken),
      accounts.refresh(session.refreshToken),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
    await assert.rejects(
      accounts.refresh((won[0] as PromiseFulfilledResult<{ refreshToken: string }>).value.refreshToken),
      refused('unauthorized', /not valid/),
    );
  });

  await t.test('logout revokes; expired and garbage tokens are refused', async () => {
    const session = await accounts.login({ email: 'ana@example.com', password });
    await accounts.logout(session.refreshToken);
    await accounts.logout(session.refreshToken);
    await assert.rejects(accounts.refresh(session.refreshToken), refused('unauthorized', /not valid/));
    const later = await accounts.login({ email: 'ana@example.com', password });
    now = new Date(now.getTime() + 61_000);
    await assert.rejects(accounts.refresh(later.refreshToken), refused('unauthorized', /expired/));
    await assert.rejects(accounts.refresh('pfr_nonsense'), refused('unauthorized', /not valid/));
    await assert.rejects(accounts.refresh('x'.repeat(5000)), refused('unauthorized', /not valid/));
  });
});
