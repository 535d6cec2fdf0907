// Cross-origin browser clients: the origins PIXELFORGE_CORS_ORIGINS names may call the API, others get no CORS
// headers (the browser refuses them); a preflight needs no key. The default (no CORS at all) is checked in
// ingress-contract.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, TEST_API_KEY } from './support/stack.ts';

const ALLOWED = 'https://app.example.com';

test('CORS for the configured origins only', async (t) => {
  await using stack = await startTestStack({
    env: { PIXELFORGE_CORS_ORIGINS: `${ALLOWED},http://localhost:5173` },
  });
  const { app } = stack;

  await t.test('a preflight from an allowed origin is answered without a key', async () => {
    const res = await app.request('/v1/groups', {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-api-key, content-type',
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /X-API-Key/i);
    assert.equal(res.headers.get('access-control-max-age'), '600');
  });

  await t.test('a write from an allowed origin sees its answer and the Location header', async () => {
    const res = await app.request('/v1/groups', {
      method: 'POST',
      headers: { origin: ALLOWED, 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cross-origin' }),
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('access-control-allow-origin'), ALLOWED);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /Location/);
  });

  await t.test('another origin gets no CORS headers, and still needs a key to write', async () => {
    const preflight = await app.request('/v1/groups', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    const read = await app.request('/v1/groups', { headers: { origin: 'https://evil.example' } });
    assert.equal(read.headers.get('access-control-allow-origin'), null);
    const write = await app.request('/v1/groups', {
      method: 'POST',
      headers: { origin: ALLOWED, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'No key' }),
    });
    assert.equal(write.status, 401);
  });
});
