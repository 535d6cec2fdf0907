// What a new user hits first (issue 14): error codes that match their statuses, group names in listings, and
// query parameters that are refused rather than silently ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';

test('API edge cases', async (t) => {
  await using stack = await startTestStack();
  const upload = await stack.request('/v1/images', {
    method: 'POST',
    body: uploadForm(await makeJpeg(16, 16), { group: 'Holiday' }),
  });
  assert.equal(upload.status, 201);
  const { id: imageId, seq } = (await upload.json()) as { id: string; seq: number };

  await t.test('a 415 says unsupported_media_type, for images and videos', async () => {
    for (const path of ['/v1/images', '/v1/videos']) {
      const res = await stack.request(path, {
        method: 'POST',
        body: uploadForm(Buffer.from('plain text, not media'), { group: 'Holiday' }, 'notes.txt'),
      });
      const body = (await res.json()) as { code: string };
      assert.deepEqual([res.status, body.code], [415, 'unsupported_media_type'], path);
    }
  });

  await t.test('GET /v1/images?group= takes a group name as well as an id', async () => {
    for (const group of ['Holiday', 'holiday', '  HOLIDAY ']) {
      const res = await stack.request(`/v1/images?group=${encodeURIComponent(group)}&after=${seq}`);
      assert.equal(res.status, 200, await res.clone().text());
      const page = (await res.json()) as { items: { id: string }[] };
      assert.deepEqual(
        page.items.map((i) => i.id),
        [imageId],
        group,
      );
    }
    const unknown = await stack.request('/v1/images?group=Nowhere');
    assert.equal(unknown.status, 200);
    assert.deepEqual(((await unknown.json()) as { items: unknown[] }).items, []);
  });

  await t.test('unknown query parameters are refused, naming them', async () => {
    for (const path of [
      '/v1/images?grup=Holiday',
      '/v1/groups?stauts=new',
      '/v1/statistics?day=7',
      '/v1/videos?limt=5',
      `/v1/images/${imageId}?verbose=1`,
      '/v1/enhancements?image=x',
    ]) {
      const res = await stack.request(path);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'validation_failed');
      const name = /\?([a-z]+)=/.exec(path)![1]!;
      assert.match(body.message, new RegExp(`unknown query parameter.*${name}`), body.message);
    }
  });
});
