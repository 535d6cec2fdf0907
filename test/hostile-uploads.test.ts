// Hostile uploads over a real HTTP socket: each gets its documented error, and nothing is stored or published.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STREAMS } from '../internal/events/catalog.ts';
import { listen } from '../internal/wiring/ingress.ts';
import { startTestStack, TEST_API_KEY } from './support/stack.ts';
import { makeJpeg, makePng, uploadForm } from './support/images.ts';

test('hostile uploads are refused and leave nothing behind', async (t) => {
  await using stack = await startTestStack({
    env: { PIXELFORGE_MAX_UPLOAD_BYTES: String(25 * 1024 * 1024) },
  });
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const jpeg = await makeJpeg(300, 200);

  const stored = async () => ({
    blobs: await stack.conn.mongo.db.collection('blobs.files').countDocuments(),
    chunks: await stack.conn.mongo.db.collection('blobs.chunks').countDocuments(),
    events: (await stack.conn.bus.jsm.streams.info(STREAMS.images.name)).state.messages,
  });
  const before = await stored();

  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/v1/images`, {
      method: 'POST',
      body,
      headers: { 'x-api-key': TEST_API_KEY, ...headers },
    });

  const expectProblem = async (res: Response, status: number, code: string, message?: RegExp) => {
    const body = await res.json();
    assert.equal(res.status, status, JSON.stringify(body));
    assert.equal(body.code, code);
    if (message) assert.match(body.message, message);
  };

  await t.test('a truncated JPEG → 422 corrupt_image', async () => {
    const res = await post(uploadForm(jpeg.subarray(0, Math.floor(jpeg.length / 2)), { group: 'g' }));
    await expectProblem(res, 422, 'corrupt_image', /truncated/);
  });

  await t.test('text named .jpg → 415 unsupported_media_type', async () => {
    const res = await post(
      uploadForm(Buffer.from('just some text, honest'.repeat(10)), { group: 'g' }, 'cat.jpg'),
    );
    await expectProblem(res, 415, 'unsupported_media_type', /JPEG, PNG/);
  });

  await t.test('a PNG declaring 30000×30000 → 422 too_many_pixels, refused from its header', async () => {
    const png = Buffer.from(await makePng(8, 8));
    png.writeUInt32BE(30000, 16);
    png.writeUInt32BE(30000, 20);
    const res = await post(uploadForm(png, { group: 'g' }, 'bomb.png'));
    await expectProblem(res, 422, 'too_many_pixels', /30000×30000/);
  });

  await t.test('an empty file → 400 validation_failed', async () => {
    const res = await post(uploadForm(Buffer.alloc(0), { group: 'g' }));
    await expectProblem(res, 400, 'validation_failed', /empty/);
  });

  await t.test('26 MiB → 413 payload_too_large, whether the length is declared or streamed', async () => {
    const big = Buffer.alloc(26 * 1024 * 1024, 7);
    jpeg.copy(big, 0, 0, 600);
    const declared = await post(uploadForm(big, { group: 'g' }));
    await expectProblem(declared, 413, 'payload_too_large');
    // A chunked body has no Content-Length: the limit is enforced while streaming.
    const form = new Response(uploadForm(big, { group: 'g' }));
    const streamed = await fetch(`${server.url}/v1/images`, {
      method: 'POST',
      body: form.body,
      headers: { 'x-api-key': TEST_API_KEY, 'content-type': form.headers.get('content-type')! },
      duplex: 'half',
    } as RequestInit);
    await expectProblem(streamed, 413, 'payload_too_large');
  });

  await t.test('malformed requests → 400', async () => {
    await expectProblem(
      await post('not multipart', { 'content-type': 'text/plain' }),
      400,
      'validation_failed',
    );
    await expectProblem(await post(uploadForm(jpeg, {})), 400, 'validation_failed', /group is required/);
    const noFile = new FormData();
    noFile.append('group', 'g');
    await expectProblem(await post(noFile), 400, 'validation_failed', /no `file` part/);
    const twoFiles = uploadForm(jpeg, { group: 'g' });
    twoFiles.append('file', new Blob([new Uint8Array(jpeg)]), 'second.jpg');
    await expectProblem(await post(twoFiles), 400, 'validation_failed', /one file/);
    await expectProblem(
      await post(uploadForm(jpeg, { group: 'g', tags: 'a,b\u0007' })),
      400,
      'validation_failed',
    );
    await expectProblem(
      await post(uploadForm(jpeg, { group: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })),
      404,
      'not_found',
    );
  });

  await t.test('nothing was stored and nothing published', async () => {
    assert.deepEqual(await stored(), before);
  });

  await t.test('the server still takes a good upload afterwards', async () => {
    const res = await post(uploadForm(jpeg, { group: 'g' }));
    assert.equal(res.status, 201);
  });
});
