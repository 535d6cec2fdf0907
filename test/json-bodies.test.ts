// Every JSON route refuses a missing, empty or wrong body with 400 `validation_failed` naming what is missing,
// publishes nothing, and never leaks an internal name (issue 14, bug 1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STREAMS } from '../internal/events/catalog.ts';
import { startTestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';

test('JSON routes refuse missing and empty bodies', async (t) => {
  await using stack = await startTestStack();
  const upload = await stack.request('/v1/images', {
    method: 'POST',
    body: uploadForm(await makeJpeg(16, 16), { group: 'bodies' }),
  });
  assert.equal(upload.status, 201);
  const imageId = ((await upload.json()) as { id: string }).id;
  const published = async () => {
    const { jsm } = stack.conn.bus;
    return (
      (await jsm.streams.info(STREAMS.images.name)).state.last_seq +
      (await jsm.streams.info(STREAMS.jobs.name)).state.last_seq
    );
  };
  const routes: [string, string, RegExp][] = [
    ['POST', '/v1/groups', /name/],
    ['PATCH', `/v1/images/${imageId}`, /uploader or tags/],
    ['PUT', `/v1/images/${imageId}/status`, /status/],
    ['POST', '/v1/enhancements', /model/],
  ];
  const bodies: [string, RequestInit][] = [
    ['no body and no content type', {}],
    ['an empty JSON body', { headers: { 'content-type': 'application/json' }, body: '' }],
    ['an empty object', { headers: { 'content-type': 'application/json' }, body: '{}' }],
    ['malformed JSON', { headers: { 'content-type': 'application/json' }, body: '{"name":' }],
    ['a JSON array', { headers: { 'content-type': 'application/json' }, body: '[]' }],
  ];
  const before = await published();
  for (const [method, path, field] of routes) {
    for (const [what, init] of bodies) {
      await t.test(`${method} ${path.replace(imageId, ':id')} with ${what}`, async () => {
        const res = await stack.request(path, { method, ...init });
        const body = (await res.json()) as { code: string; message: string };
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(body.code, 'validation_failed');
        assert.doesNotMatch(body.message, /pf\.|TypeError|undefined|internal/, body.message);
        if (
          what === 'no body and no content type' ||
          what === 'an empty object' ||
          what === 'an empty JSON body'
        )
          assert.match(body.message, field, body.message);
      });
    }
  }
  assert.equal(await published(), before, 'nothing was published');
});
