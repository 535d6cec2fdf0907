// Who sees and changes what, over HTTP against a real stack: two users who cannot see each other's images,
// groups, videos' lists, jobs or statistics (another's id answers 404, exactly like an unknown one); a
// reviewer who sees everything and reviews but changes nothing else; the operator key that sees everything;
// reads closed to anonymous callers unless the operator opens a public gallery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJobProjection } from '../internal/adapters/mongo/job-projection.ts';
import { envelope } from '../internal/events/envelope.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { startTestStack, TEST_API_KEY, type TestStack } from './support/stack.ts';

const PASSWORD = 'a long enough passphrase';
const operator = { 'x-api-key': TEST_API_KEY };

const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Registers and logs in; the headers that act as that account. */
async function account(stack: TestStack, email: string) {
  const registered = await stack.app.request(
    '/v1/auth/register',
    json('POST', { email, password: PASSWORD }),
  );
  assert.equal(registered.status, 201, await registered.clone().text());
  const { id } = (await registered.json()) as { id: string };
  return { id, actor: `user:${id}`, headers: await login(stack, email) };
}

async function login(stack: TestStack, email: string): Promise<Record<string, string>> {
  const res = await stack.app.request('/v1/auth/login', json('POST', { email, password: PASSWORD }));
  assert.equal(res.status, 200, await res.clone().text());
  return { authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}` };
}

async function upload(stack: TestStack, headers: Record<string, string>, group: string) {
  const res = await stack.app.request('/v1/images', {
    method: 'POST',
    headers,
    body: uploadForm(await makeJpeg(24, 16), { group }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string; group: string; owner: string; seq: number };
}

test('each account sees and changes its own data; reviewers review; operators see everything', async (t) => {
  await using stack = await startTestStack();
  const call = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
    stack.app.request(path, { ...init, headers: { ...(init.headers as object), ...headers } });
  const alice = await account(stack, 'alice@example.com');
  const bob = await account(stack, 'bob@example.com');
  const aliceImage = await upload(stack, alice.headers, 'Holiday');
  const bobImage = await upload(stack, bob.headers, 'Holiday');
  const after = `?after=${Math.max(aliceImage.seq, bobImage.seq)}`;

  await t.test('uploads are owned by their uploader; the same group name is two groups', () => {
    assert.equal(aliceImage.owner, alice.actor);
    assert.equal(bobImage.owner, bob.actor);
    assert.notEqual(aliceImage.group, bobImage.group);
  });

  await t.test("another user's image, group and job answer 404, as an unknown id does", async () => {
    const id = aliceImage.id;
    const probes: [string, RequestInit][] = [
      [`/v1/images/${id}${after}`, {}],
      [`/v1/images/${id}/content`, {}],
      [`/v1/images/${id}/variants/webp/content`, {}],
      [`/v1/groups/${aliceImage.group}${after}`, {}],
      [`/v1/images/${id}`, json('PATCH', { tags: ['mine'] })],
      [`/v1/images/${id}/status`, json('PUT', { status: 'accepted' })],
      [`/v1/images/${id}`, { method: 'DELETE' }],
      ['/v1/enhancements', json('POST', { imageId: id, model: 'realesrgan-x4plus' })],
      ['/v1/images', { method: 'POST', body: uploadForm(await makeJpeg(8, 8), { group: aliceImage.group }) }],
    ];
    for (const [path, init] of probes) {
      const res = await call(path, bob.headers, init);
      const body = (await res.json()) as { code: string };
      assert.deepEqual([res.status, body.code], [404, 'not_found'], `${init.method ?? 'GET'} ${path}`);
    }
    const own = await call(`/v1/images/${id}${after}`, alice.headers);
    assert.equal(own.status, 200, 'the owner still sees it');
    assert.deepEqual(((await own.json()) as { tags: string[] }).tags, [], 'nothing of the probes changed it');
  });

  await t.test('lists, groups and statistics cover what the caller may see', async () => {
    const ids = async (path: string, headers: Record<string, string>) =>
      ((await (await call(path, headers)).json()) as { items: { id: string }[] }).items.map((i) => i.id);
    assert.deepEqual(await ids(`/v1/images${after}`, bob.headers), [bobImage.id]);
    assert.deepEqual(await ids(`/v1/images${after}`, alice.headers), [aliceImage.id]);
    assert.deepEqual((await ids(`/v1/images${after}`, operator)).sort(), [aliceImage.id, bobImage.id].sort());
    assert.deepEqual(await ids(`/v1/images${after}&owner=me`, operator), [], 'the operator key owns none');
    assert.deepEqual(await ids(`/v1/images${after}&owner=${alice.actor}`, operator), [aliceImage.id]);
    assert.deepEqual(await ids(`/v1/images${after}&owner=${alice.actor}`, bob.headers), []);
    assert.deepEqual(await ids(`/v1/groups${after}`, bob.headers), [bobImage.group]);
    assert.deepEqual(
      await ids('/v1/images?group=Holiday', alice.headers),
      [aliceImage.id],
      'names are per account',
    );
    const stats = async (headers: Record<string, string>) =>
      (await (await call(`/v1/statistics${after}`, headers)).json()) as Record<string, number>;
    assert.equal((await stats(bob.headers)).new, 1);
    assert.equal((await stats(operator)).new, 2);
    const daily = (await (await call(`/v1/statistics/daily${after}&days=2`, bob.headers)).json()) as {
      days: { new: number }[];
    };
    assert.equal(
      daily.days.reduce((n, d) => n + d.new, 0),
      1,
    );
  });

  await t.test(
    'a reviewer sees everything and moves it through review, but changes nothing else',
    async () => {
      const carol = await account(stack, 'carol@example.com');
      const granted = await call(
        `/v1/auth/users/${carol.id}/role`,
        operator,
        json('PUT', { role: 'reviewer' }),
      );
      assert.equal(granted.status, 200, await granted.clone().text());
      const forbidden = await call(
        `/v1/auth/users/${carol.id}/role`,
        bob.headers,
        json('PUT', { role: 'admin' }),
      );
      assert.equal(forbidden.status, 403, 'a user cannot grant roles');
      const reviewer = await login(stack, 'carol@example.com');
      const seen = await call(`/v1/images/${aliceImage.id}${after}`, reviewer);
      assert.equal(seen.status, 200);
      const moved = await call(
        `/v1/images/${aliceImage.id}/status`,
        reviewer,
        json('PUT', { status: 'review' }),
      );
      assert.equal(moved.status, 200);
      for (const init of [json('PATCH', { tags: ['x'] }), { method: 'DELETE' }]) {
        const res = await call(`/v1/images/${aliceImage.id}`, reviewer, init);
        assert.equal(res.status, 403, `${init.method} by a reviewer`);
      }
      const own = await call(
        `/v1/images/${aliceImage.id}/status`,
        alice.headers,
        json('PUT', { status: 'accepted' }),
      );
      assert.equal(own.status, 200, 'the owner reviews their own');
    },
  );

  await t.test("jobs are their requester's", async () => {
    const jobs = createJobProjection(stack.conn.mongo.db);
    const requested = envelope(
      'pf.enhancement.requested',
      'job-of-alice',
      { jobId: 'job-of-alice', spec: { source: { imageId: aliceImage.id }, model: 'realesrgan-x4plus' } },
      { source: 'test', actor: alice.actor },
    );
    assert.ok(await jobs.apply(requested as never, 1));
    assert.equal((await call('/v1/enhancements/job-of-alice', alice.headers)).status, 200);
    assert.equal((await call('/v1/enhancements/job-of-alice', bob.headers)).status, 404);
    assert.equal(
      (await call('/v1/enhancements/job-of-alice', bob.headers, { method: 'DELETE' })).status,
      404,
    );
    assert.equal((await call('/v1/enhancements/job-of-alice/events', bob.headers)).status, 404);
    const listed = async (headers: Record<string, string>) =>
      ((await (await call('/v1/enhancements', headers)).json()) as { items: { id: string }[] }).items.length;
    assert.deepEqual(
      [await listed(alice.headers), await listed(bob.headers), await listed(operator)],
      [1, 0, 1],
    );
  });

  await t.test('scoped keys: made from a login, shown once, limited to their scopes, revocable', async () => {
    const made = await call(
      '/v1/auth/keys',
      alice.headers,
      json('POST', { name: 'camera', scopes: ['images:write'] }),
    );
    assert.equal(made.status, 201, await made.clone().text());
    const key = (await made.json()) as { id: string; key: string; scopes: string[] };
    assert.match(key.key, /^pfk_/);
    const asKey = { 'x-api-key': key.key };
    const uploaded = await upload(stack, asKey, 'From the camera');
    assert.equal(uploaded.owner, alice.actor, 'a key acts as its owner');
    const read = await call(`/v1/images/${uploaded.id}`, asKey);
    assert.equal(read.status, 403, 'images:write alone does not read');
    const cancel = await call('/v1/enhancements/job-of-alice', asKey, { method: 'DELETE' });
    assert.deepEqual([cancel.status, ((await cancel.json()) as { code: string }).code], [403, 'forbidden']);
    const minted = await call('/v1/auth/keys', asKey, json('POST', { name: 'more', scopes: ['read'] }));
    assert.equal(minted.status, 403, 'a key cannot make keys');
    const tooMuch = await call(
      '/v1/auth/keys',
      alice.headers,
      json('POST', { name: 'x', scopes: ['admin'] }),
    );
    assert.equal(tooMuch.status, 403, 'only administrators make admin keys');
    const unknownScope = await call(
      '/v1/auth/keys',
      alice.headers,
      json('POST', { name: 'x', scopes: ['root'] }),
    );
    assert.equal(unknownScope.status, 400);

    const listed = (await (await call('/v1/auth/keys', alice.headers)).json()) as {
      items: { id: string; lastUsedAt: string | null; key?: string }[];
    };
    assert.equal(listed.items.length, 1);
    assert.equal(listed.items[0]!.key, undefined, 'the secret is shown once only');
    assert.ok(listed.items[0]!.lastUsedAt, 'the last use is recorded');
    assert.deepEqual(((await (await call('/v1/auth/keys', bob.headers)).json()) as { items: [] }).items, []);
    assert.equal((await call(`/v1/auth/keys/${key.id}`, bob.headers, { method: 'DELETE' })).status, 404);
    assert.equal((await call(`/v1/auth/keys/${key.id}`, alice.headers, { method: 'DELETE' })).status, 204);
    const after = await call('/v1/images', asKey, {
      method: 'POST',
      body: uploadForm(await makeJpeg(8, 8), { group: 'x' }),
    });
    assert.equal(after.status, 401, 'a revoked key is refused');
  });

  await t.test('anonymous callers read nothing but what describes the installation', async () => {
    for (const path of [
      '/v1/images',
      `/v1/images/${aliceImage.id}`,
      '/v1/groups',
      '/v1/statistics',
      '/v1/enhancements',
    ]) {
      const res = await stack.app.request(path);
      assert.equal(res.status, 401, path);
    }
    assert.equal((await stack.app.request('/v1/info')).status, 200);
    assert.equal((await stack.app.request('/v1/models')).status, 200);
  });
});

test('a public gallery: anyone reads everything, changes still need their rights', async () => {
  await using stack = await startTestStack({ env: { PIXELFORGE_PUBLIC_READS: 'true' } });
  const alice = await account(stack, 'alice@example.com');
  const bob = await account(stack, 'bob@example.com');
  const image = await upload(stack, alice.headers, 'Open');
  const read = await stack.app.request(`/v1/images/${image.id}?after=${image.seq}`);
  assert.equal(read.status, 200, 'anonymous reads are open');
  const listed = (await (await stack.app.request('/v1/images', { headers: bob.headers })).json()) as {
    items: unknown[];
  };
  assert.equal(listed.items.length, 1, 'another account sees it too');
  const changed = await stack.app.request(
    `/v1/images/${image.id}`,
    json('PATCH', { tags: ['x'] }, bob.headers),
  );
  assert.equal(changed.status, 403, 'what one sees but does not own is 403, not 404');
  assert.equal((await stack.app.request(`/v1/images/${image.id}`, { method: 'DELETE' })).status, 401);
});

test('browser sessions: HttpOnly cookies, same-origin writes only, renewal, logout', async () => {
  await using stack = await startTestStack();
  await account(stack, 'dee@example.com');
  const base = 'http://pixelforge.test';
  const login = await stack.app.request(
    `${base}/v1/auth/session`,
    json('POST', { email: 'dee@example.com', password: PASSWORD }),
  );
  assert.equal(login.status, 200, await login.clone().text());
  const setCookies = login.headers.getSetCookie();
  for (const cookie of setCookies)
    assert.match(cookie, /HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/);
  assert.ok(!JSON.stringify(await login.json()).includes('pfr_'), 'no token in the body');
  // What a browser would send back: the cookies set, not the ones cleared.
  const jar = (cookies: string[]) =>
    cookies
      .filter((c) => !/Max-Age=0/.test(c))
      .map((c) => c.split(';')[0])
      .join('; ');
  const cookies = jar(setCookies);
  const refreshCookie = setCookies.find((c) => c.startsWith('pf_refresh='))!;
  assert.match(
    refreshCookie,
    /Path=\/v1\/auth\/session/,
    'the refresh cookie goes to the session routes only',
  );

  const who = await stack.app.request(`${base}/v1/auth/session`, { headers: { cookie: cookies } });
  assert.equal(((await who.json()) as { user: { email: string } }).user.email, 'dee@example.com');

  const create = (headers: Record<string, string>) =>
    stack.app.request(
      `${base}/v1/groups`,
      json('POST', { name: `g${Math.random()}` }, { cookie: cookies, ...headers }),
    );
  assert.equal((await create({ origin: base })).status, 201, 'a same-origin write');
  assert.equal((await create({ 'sec-fetch-site': 'same-origin' })).status, 201);
  const crossSite: Record<string, string>[] = [
    { origin: 'http://evil.test' },
    { 'sec-fetch-site': 'cross-site', origin: base },
    {},
  ];
  for (const headers of crossSite) {
    const res = await create(headers);
    assert.equal(res.status, 403, `a cookie write with ${JSON.stringify(headers)} is refused`);
  }

  const renewed = await stack.app.request(`${base}/v1/auth/session/refresh`, {
    method: 'POST',
    headers: { cookie: cookies },
  });
  assert.equal(renewed.status, 200);
  const again = await stack.app.request(`${base}/v1/auth/session/refresh`, {
    method: 'POST',
    headers: { cookie: cookies },
  });
  assert.equal(again.status, 401, 'the old refresh cookie was rotated: using it again ends the login');
  const renewedCookies = jar(renewed.headers.getSetCookie());
  const ended = await stack.app.request(`${base}/v1/auth/session/refresh`, {
    method: 'POST',
    headers: { cookie: renewedCookies },
  });
  assert.equal(ended.status, 401, 'and the newer one with it (the family is revoked)');

  const keyLogin = await stack.app.request(`${base}/v1/auth/session`, json('POST', { apiKey: 'pf_wrong' }));
  assert.equal(keyLogin.status, 401);
  const keySession = await stack.app.request(
    `${base}/v1/auth/session`,
    json('POST', { apiKey: TEST_API_KEY }),
  );
  const keyCookies = jar(keySession.headers.getSetCookie());
  const asOperator = await stack.app.request(`${base}/v1/auth/session`, { headers: { cookie: keyCookies } });
  assert.deepEqual(((await asOperator.json()) as { role: string }).role, 'admin');
  const out = await stack.app.request(`${base}/v1/auth/session`, {
    method: 'DELETE',
    headers: { cookie: keyCookies },
  });
  assert.equal(out.status, 204);
  assert.ok(
    out.headers.getSetCookie().every((c) => /Max-Age=0/.test(c)),
    'logout clears every cookie',
  );
  const forged = await stack.app.request(`${base}/v1/images`, {
    headers: { cookie: 'pf_access=not.a.token' },
  });
  assert.equal(forged.status, 401);
});
