// /v1/auth over HTTP against a real stack: register, log in, act with the bearer token, refresh, log out;
// throttled logins; the same answer for an unknown e-mail and a wrong password; bearer forgeries refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnsecuredJWT } from 'jose';
import { startTestStack } from './support/stack.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

test('accounts over HTTP', async (t) => {
  await using stack = await startTestStack({ projector: false });
  const call = (path: string, init?: RequestInit) => stack.app.request(path, init);
  const password = 'a long enough passphrase';

  const registered = await call('/v1/auth/register', json({ email: 'ana@example.com', password }));
  assert.equal(registered.status, 201, await registered.clone().text());
  const user = (await registered.json()) as { id: string; role: string };
  assert.equal(user.role, 'user');
  assert.equal((await call('/v1/auth/register', json({ email: 'ANA@example.com', password }))).status, 409);
  const weak = await call('/v1/auth/register', json({ email: 'bo@example.com', password: 'short' }));
  assert.equal(weak.status, 400);
  assert.match(((await weak.json()) as { message: string }).message, /at least 12 characters/);

  let session: { accessToken: string; refreshToken: string; user: { id: string } };
  await t.test('login, then the bearer token is the caller: /me and writes', async () => {
    const res = await call('/v1/auth/login', json({ email: 'Ana@Example.com', password }));
    assert.equal(res.status, 200);
    session = (await res.json()) as typeof session;
    const bearer = { authorization: `Bearer ${session.accessToken}` };
    const me = await call('/v1/auth/me', { headers: bearer });
    assert.deepEqual(((await me.json()) as { id: string }).id, user.id);
    assert.equal((await call('/v1/auth/me')).status, 401);
    const group = await call('/v1/groups', json({ name: 'Ana’s' }, bearer));
    assert.equal(group.status, 201, 'a bearer token authorises writes as an API key does');
    assert.equal((await call('/v1/groups', json({ name: 'Nobody’s' }))).status, 401);
  });

  await t.test('bearer forgeries are refused, on reads too', async () => {
    const none = new UnsecuredJWT({ role: 'admin', sid: 'x' })
      .setSubject(user.id)
      .setExpirationTime('1h')
      .encode();
    for (const header of [
      `Bearer ${none}`,
      'Bearer not.a.token',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
    ]) {
      const res = await call('/v1/groups', { headers: { authorization: header } });
      assert.equal(res.status, 401, header);
    }
  });

  await t.test('refresh rotates, reuse and logout end the login', async () => {
    const next = await call('/v1/auth/refresh', json({ refreshToken: session.refreshToken }));
    assert.equal(next.status, 200);
    const rotated = (await next.json()) as typeof session;
    const reused = await call('/v1/auth/refresh', json({ refreshToken: session.refreshToken }));
    assert.equal(reused.status, 401);
    assert.match(((await reused.json()) as { message: string }).message, /already used/);
    assert.equal((await call('/v1/auth/refresh', json({ refreshToken: rotated.refreshToken }))).status, 401);
    const again = (await (
      await call('/v1/auth/login', json({ email: 'ana@example.com', password }))
    ).json()) as typeof session;
    const bearerOf = (s: typeof session) => ({ headers: { authorization: `Bearer ${s.accessToken}` } });
    assert.equal((await call('/v1/auth/me', bearerOf(again))).status, 200);
    assert.equal((await call('/v1/auth/logout', json({ refreshToken: again.refreshToken }))).status, 204);
    const afterLogout = await call('/v1/auth/me', bearerOf(again));
    assert.equal(
      afterLogout.status,
      401,
      'logging out ends the access token too, not only the refresh token',
    );
    assert.match(((await afterLogout.json()) as { message: string }).message, /login has ended/);
    assert.equal(
      (await call('/v1/auth/me', bearerOf(rotated))).status,
      401,
      'so does a reused refresh token',
    );
    assert.equal((await call('/v1/auth/refresh', json({ refreshToken: again.refreshToken }))).status, 401);
    assert.equal((await call('/v1/auth/refresh', json({ refreshToken: 42 }))).status, 400);
  });

  await t.test(
    'an unknown e-mail and a wrong password get the same answer; repeated failures are throttled',
    async () => {
      const answer = async (email: string, pw: string) => {
        const res = await call('/v1/auth/login', json({ email, password: pw }));
        return [res.status, await res.text()];
      };
      assert.deepEqual(
        await answer('nobody@example.com', password),
        await answer('ana@example.com', 'wrong password!!'),
      );
      // Five failures for one account in the window (one is above): the next try waits, even with the right
      // password, and so does an account that does not exist.
      for (let i = 0; i < 4; i++) await answer('ana@example.com', 'wrong password!!');
      const throttled = await call('/v1/auth/login', json({ email: 'ana@example.com', password }));
      assert.equal(throttled.status, 429);
      const wait = Number(throttled.headers.get('retry-after'));
      assert.ok(wait > 0 && wait <= 900, `Retry-After ${wait}`);
      assert.equal(((await throttled.json()) as { code: string }).code, 'too_many_requests');
      for (let i = 0; i < 5; i++) await answer('ghost@example.com', password);
      assert.equal(
        (await call('/v1/auth/login', json({ email: 'ghost@example.com', password }))).status,
        429,
      );
      // Another account is not held back by them.
      await call('/v1/auth/register', json({ email: 'cy@example.com', password }));
      assert.equal((await call('/v1/auth/login', json({ email: 'cy@example.com', password }))).status, 200);
    },
  );
});
