// Failures of the servers around the ingress: NATS down during an upload, and blobs whose event never came.
import { test } from 'node:test';
import { Readable } from 'node:stream';
import assert from 'node:assert/strict';
import { startTestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';

test('NATS stopped during an upload: 503, and the stored bytes are removed', async () => {
  await using stack = await startTestStack({ privateNats: true });
  const jpeg = await makeJpeg(64, 48);
  const files = () => stack.conn.mongo.db.collection('blobs.files').countDocuments();
  const chunks = () => stack.conn.mongo.db.collection('blobs.chunks').countDocuments();
  assert.equal(
    (await stack.request('/v1/images', { method: 'POST', body: uploadForm(jpeg, { group: 'g' }) })).status,
    201,
  );
  const before = { files: await files(), chunks: await chunks() };

  await stack.nats!.kill();
  const res = await stack.request('/v1/images', { method: 'POST', body: uploadForm(jpeg, { group: 'g' }) });
  assert.equal(res.status, 503);
  const problem = await res.json();
  assert.equal(problem.code, 'unavailable');
  assert.equal(res.headers.get('retry-after'), '1');
  assert.deepEqual({ files: await files(), chunks: await chunks() }, before, 'no orphan blob');
  const ready = await stack.request('/readyz');
  assert.equal(ready.status, 503);
  assert.notEqual((await ready.json()).checks.nats, 'ok');

  await stack.nats!.restart();
  const deadline = Date.now() + 15_000;
  let status = 0;
  while (Date.now() < deadline && status !== 201) {
    status = (await stack.request('/v1/images', { method: 'POST', body: uploadForm(jpeg, { group: 'g' }) }))
      .status;
    if (status !== 201) await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 201, 'uploads work again once NATS is back');
});

test('the sweeper removes blobs whose upload event never arrived, and only those', async () => {
  await using stack = await startTestStack();
  const jpeg = await makeJpeg(32, 32);
  const res = await stack.request('/v1/images', { method: 'POST', body: uploadForm(jpeg, { group: 'g' }) });
  const { id, seq } = await res.json();
  assert.ok(await stack.conn.progress.waitFor(seq, 5000));
  // An ingress that died between storing the bytes and publishing leaves exactly this behind.
  await stack.conn.blobs.put(Readable.from([jpeg]), {
    key: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    contentType: 'image/jpeg',
    metadata: { imageId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' },
  });

  assert.equal(await stack.projector!.sweep(60_000), 0, 'young blobs are left alone');
  assert.equal(await stack.projector!.sweep(0), 1);
  assert.equal(await stack.conn.blobs.stat('01ARZ3NDEKTSV4RRFFQ69G5FAV'), null);
  assert.ok(await stack.conn.blobs.stat(id), 'the uploaded image keeps its bytes');
});
