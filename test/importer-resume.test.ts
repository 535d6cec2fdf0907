// kill -9 of the importer in the middle of an import, then a new one: the import goes on with what was not
// done, and every URL becomes exactly one image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';
import { eventually } from './support/eventually.ts';
import { makeJpeg } from './support/images.ts';
import { startTestStack } from './support/stack.ts';

const URLS = 40;

test('an importer killed with SIGKILL mid-import: the next one finishes it, each URL imported once', async (t) => {
  await using stack = await startTestStack();
  const jpegs = await Promise.all(Array.from({ length: URLS }, (_, i) => makeJpeg(20 + i, 20)));
  const server = createServer((req, res) => {
    const i = Number(/\/(\d+)\.jpg$/.exec(req.url ?? '')?.[1]);
    // Slow enough that the kill lands in the middle.
    setTimeout(() => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpegs[i]), 150);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await stack.conn.mongo.client
    .db('shop')
    .collection('products')
    .insertMany(
      Array.from({ length: URLS / 4 }, (_, d) => ({
        sku: `p${d}`,
        images: [0, 1, 2, 3].map((k) => `${base}/${d * 4 + k}.jpg`),
      })),
    );
  const env = {
    ...process.env,
    NATS_URL: stack.config.NATS_URL,
    MONGO_URL: stack.config.MONGO_URL,
    MONGO_DB: stack.config.MONGO_DB,
    PIXELFORGE_IMPORT_ALLOW_PRIVATE: 'true',
    PIXELFORGE_IMPORT_PER_HOST: '2',
    PIXELFORGE_IMPORT_TAKEOVER_MS: '2000',
    LOG_LEVEL: 'error',
  };
  const children: ChildProcess[] = [];
  t.after(() => children.forEach((c) => c.kill('SIGKILL')));
  const importer = () => {
    const child = spawn(process.execPath, [...TS_ENTRY_ARGS, 'cmd/importer/main.ts'], {
      env,
      stdio: 'ignore',
    });
    children.push(child);
    return child;
  };
  const first = importer();
  const res = await stack.request('/v1/imports', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      database: 'shop',
      collection: 'products',
      scope: { kind: 'collection' },
      group: '{sku}',
    }),
  });
  assert.equal(res.status, 202, await res.clone().text());
  const { id } = (await res.json()) as { id: string };
  const view = async () =>
    (await (await stack.request(`/v1/imports/${id}`)).json()) as {
      status: string;
      counts: { downloaded: number; skipped: number; failed: number };
    };
  await eventually(async () => assert.ok((await view()).counts.downloaded >= 8), 60_000);
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const before = (await view()).counts.downloaded;
  assert.ok(before < URLS, `the kill came too late (${before} of ${URLS} done)`);

  importer();
  const done = await eventually(async () => {
    const v = await view();
    assert.equal(v.status, 'completed');
    return v;
  }, 90_000);
  assert.deepEqual(done.counts, { found: URLS, downloaded: URLS, skipped: 0, failed: 0 } as never);
  const images = await stack.conn.models.images.find({ 'origin.importId': id }).toArray();
  assert.equal(images.length, URLS, 'one image per URL');
  assert.equal(new Set(images.map((i) => i.origin!.url)).size, URLS, 'no URL twice');
});
