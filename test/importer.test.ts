// Imports against real servers: documents in the Mongo-wire server, images from local HTTP servers on
// 127.0.0.1 and 127.0.0.2 (two "domains"), the importer and the projector. Every URL's outcome is counted and
// explained; the per-host cap holds; a re-run stores nothing twice; another user's import is not found;
// cancelling stops it; a filter that runs code is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { startImporter } from '../internal/wiring/importer.ts';
import { listen } from '../internal/wiring/ingress.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { eventually } from './support/eventually.ts';
import { makeJpeg } from './support/images.ts';
import { startTestStack, TEST_API_KEY, type TestStack } from './support/stack.ts';

const PASSWORD = 'a long enough passphrase';
const json = (method: string, body: unknown, headers: Record<string, string> = {}) => ({
  method,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** An image server on `host` that counts the downloads it serves at once. */
async function imageServer(host: string, handler: (req: IncomingMessage, res: ServerResponse) => void) {
  let now = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    now++;
    peak = Math.max(peak, now);
    res.once('close', () => now--);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    peak: () => peak,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function login(stack: TestStack, email: string) {
  await stack.app.request('/v1/auth/register', json('POST', { email, password: PASSWORD }));
  const res = await stack.app.request('/v1/auth/login', json('POST', { email, password: PASSWORD }));
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}` };
}

interface ImportJson {
  status: string;
  counts: { found: number; downloaded: number; skipped: number; failed: number };
  documents: number;
}

test('an import brings in every image of the documents, politely, and says what failed and why', async (t) => {
  await using stack = await startTestStack({
    env: {
      PIXELFORGE_IMPORT_PER_HOST: '2',
      PIXELFORGE_IMPORT_ATTEMPTS: '3',
      PIXELFORGE_IMPORT_ALLOW_PRIVATE: 'true',
      PIXELFORGE_MAX_UPLOAD_BYTES: '100000',
    },
  });
  const importer = await startImporter(stack.config, stack.conn, silentLogger);
  t.after(() => importer.stop());
  const jpeg = await makeJpeg(40, 30);
  const tries = new Map<string, number>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const n = (tries.get(path) ?? 0) + 1;
    tries.set(path, n);
    if (path.startsWith('/photo-')) {
      // A little latency, so that the caps have something to hold back.
      return setTimeout(
        () => res.writeHead(200, { 'content-type': 'image/jpeg', etag: `"${path}"` }).end(jpeg),
        40,
      );
    }
    if (path === '/flaky.jpg') return n === 1 ? res.writeHead(500).end() : res.writeHead(200).end(jpeg);
    if (path === '/busy.jpg')
      return n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.writeHead(200).end(jpeg);
    if (path === '/html.jpg')
      return res.writeHead(200, { 'content-type': 'image/jpeg' }).end('<html>hi</html>');
    if (path === '/truncated.jpg') return res.writeHead(200).end(jpeg.subarray(0, jpeg.length - 200));
    if (path.startsWith('/loop')) return res.writeHead(302, { location: `/loop${n}-${path.length}` }).end();
    if (path === '/gone.jpg') return res.writeHead(404).end();
    if (path === '/huge.jpg') {
      // No Content-Length: the size is only known as the bytes stream past the upload checks.
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(jpeg.subarray(0, jpeg.length - 2));
      return res.end(Buffer.alloc(150_000));
    }
    if (path === '/slow.jpg') return setTimeout(() => res.writeHead(200).end(jpeg), 30_000);
    res.writeHead(404).end();
  };
  await using a = await imageServer('127.0.0.1', handler);
  await using b = await imageServer('127.0.0.2', handler);
  const hotels = stack.conn.mongo.client.db('serpy').collection('hotels');
  await hotels.insertMany([
    {
      _id: 'h1' as never,
      name: 'Casa Azul',
      photos: [0, 1, 2, 3, 4].map((i) => ({ url: `${a.url}/photo-a${i}.jpg` })),
    },
    {
      _id: 'h2' as never,
      name: 'Mar',
      photos: [
        ...[0, 1, 2, 3, 4].map((i) => ({ url: `${b.url}/photo-b${i}.jpg` })),
        { url: `${a.url}/photo-a0.jpg` },
        { url: `${a.url}/flaky.jpg` },
        { url: `${b.url}/busy.jpg` },
      ],
    },
    {
      _id: 'h3' as never,
      name: 'Broken',
      photos: ['html', 'truncated', 'loop', 'gone', 'huge'].map((p) => ({ url: `${a.url}/${p}.jpg` })),
    },
  ]);
  const ana = await login(stack, 'ana@example.com');
  const bo = await login(stack, 'bo@example.com');
  const call = (path: string, headers: Record<string, string>, init: RequestInit = {}) =>
    stack.app.request(path, { ...init, headers: { ...(init.headers as object), ...headers } });
  const start = async (body: unknown, headers = ana) => {
    const res = await call('/v1/imports', headers, json('POST', body));
    assert.equal(res.status, 202, await res.clone().text());
    return ((await res.json()) as { id: string }).id;
  };
  const finished = (id: string, headers = ana) =>
    eventually(async () => {
      const view = (await (await call(`/v1/imports/${id}`, headers)).json()) as ImportJson;
      assert.ok(['completed', 'failed', 'cancelled'].includes(view.status), view.status);
      return view;
    }, 60_000);
  const request = {
    database: 'serpy',
    collection: 'hotels',
    scope: { kind: 'collection' },
    fields: ['photos.url'],
  };

  const first = await start(request);
  const done = await finished(first);
  await t.test('every URL once, counted by outcome; the caps held; retries passed', () => {
    assert.equal(done.status, 'completed');
    assert.equal(done.documents, 3);
    assert.deepEqual(done.counts, { found: 17, downloaded: 12, skipped: 0, failed: 5 });
    assert.ok(a.peak() <= 2 && b.peak() <= 2, `at most 2 per host at once (${a.peak()}, ${b.peak()})`);
    assert.equal(tries.get('/photo-a0.jpg'), 1, 'a URL in two documents is downloaded once');
    assert.equal(tries.get('/flaky.jpg'), 2, 'a 500 is retried');
    assert.equal(tries.get('/busy.jpg'), 2, 'a 429 is retried after its Retry-After');
  });

  await t.test(
    'metrics: downloads by outcome, bytes, retries, in flight per host, queue depth, storing',
    async () => {
      const text = await importer.metrics.metrics();
      assert.match(text, /pixelforge_import_downloads_total\{outcome="downloaded"\} 12\n/);
      assert.match(text, /pixelforge_import_downloads_total\{outcome="failed"\} 5\n/);
      assert.match(text, /pixelforge_import_retries_total [2-9]\n/);
      const bytes = Number(/pixelforge_import_bytes_total (\d+)/.exec(text)?.[1]);
      assert.equal(bytes, 12 * jpeg.length);
      assert.match(text, /pixelforge_import_queue_depth 0\n/);
      assert.match(text, /pixelforge_import_storing 0\n/);
      assert.match(text, /# TYPE pixelforge_import_in_flight gauge/);
    },
  );

  await t.test('the failures, each with a reason a person can act on', async () => {
    const page = (await (await call(`/v1/imports/${first}/items?outcome=failed`, ana)).json()) as {
      items: { url: string; reason: string; attempts: number }[];
    };
    const reasons = Object.fromEntries(page.items.map((i) => [new URL(i.url).pathname, i.reason]));
    assert.match(reasons['/html.jpg']!, /not a JPEG, PNG, GIF, WebP or AVIF image/);
    assert.match(reasons['/truncated.jpg']!, /truncated|incomplete|ends/i);
    assert.match(reasons['/loop.jpg']!, /more than 5 redirects/);
    assert.match(reasons['/gone.jpg']!, /HTTP 404/);
    assert.match(reasons['/huge.jpg']!, /larger than|too large|exceeds|100000/i);
  });

  await t.test(
    'the images are the importer’s user’s, grouped per document, with where they came from',
    async () => {
      const images = (await (await call('/v1/images?limit=100', ana)).json()) as {
        items: {
          groupName: string;
          owner: string;
          origin: { documentId: string; path: string; etag: string };
        }[];
      };
      assert.equal(images.items.length, 12);
      const groups = new Set(images.items.map((i) => i.groupName));
      assert.deepEqual([...groups].sort(), ['hotels/h1', 'hotels/h2']);
      const a1 = images.items.find((i) => i.origin.etag === '"/photo-a1.jpg"')!;
      assert.deepEqual([a1.origin.documentId, a1.origin.path], ['h1', 'photos.1.url']);
      assert.equal(((await (await call('/v1/images', bo)).json()) as { items: [] }).items.length, 0);
      assert.equal(
        (await call(`/v1/imports/${first}`, bo)).status,
        404,
        "another user's import is not found",
      );
    },
  );

  await t.test('a re-run stores nothing it already has', async () => {
    const again = await finished(await start(request));
    assert.deepEqual(again.counts, { found: 17, downloaded: 0, skipped: 12, failed: 5 });
    const images = (await (await call('/v1/images?limit=100', ana)).json()) as { items: [] };
    assert.equal(images.items.length, 12);
  });

  await t.test('progress as server-sent events, ending with the finished import', async () => {
    const id = await start({ ...request, scope: { kind: 'document', id: 'h1' } });
    const res = await call(`/v1/imports/${id}/events`, ana);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const events = (await res.text())
      .split('\n\n')
      .filter((block) => block.startsWith('event: import'))
      .map((block) => JSON.parse(block.split('\ndata: ')[1]!) as ImportJson);
    assert.ok(events.length >= 2, `${events.length} events`);
    assert.deepEqual(events.at(-1)!.counts, { found: 5, downloaded: 0, skipped: 5, failed: 0 });
    assert.equal(events.at(-1)!.status, 'completed');
    assert.equal((await call(`/v1/imports/${id}/events`, bo)).status, 404);
  });

  await t.test('a filter that runs code is refused; a filter with a limit selects', async () => {
    const refused = await call(
      '/v1/imports',
      ana,
      json('POST', { ...request, scope: { kind: 'filter', filter: { $where: 'sleep(1000)' }, limit: 5 } }),
    );
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { message: string }).message, /\$where.*runs code/);
    const unknown = await call('/v1/imports', ana, json('POST', { ...request, source: 'crm' }));
    assert.match(((await unknown.json()) as { message: string }).message, /no import source "crm"/);
    const one = await finished(
      await start({ ...request, scope: { kind: 'filter', filter: { name: 'Casa Azul' }, limit: 1 } }),
    );
    assert.deepEqual([one.documents, one.counts.skipped], [1, 5]);
  });

  await t.test('pixelforge import: progress on stderr, the summary and the failures on stdout', async () => {
    await using server = await listen(stack.app, 0, '127.0.0.1');
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', ...args],
          { env: { ...process.env, PIXELFORGE_URL: server.url, PIXELFORGE_API_KEY: TEST_API_KEY } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        ),
      );
    const done = await run(
      'import',
      '--db',
      'serpy',
      '--collection',
      'hotels',
      '--field',
      'photos.url',
      '--id',
      'h3',
    );
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /importing: 100% \(5\/5 URLs/);
    assert.match(done.stdout, /completed; 1 documents, 5 URLs: 0 downloaded, 0 skipped, 5 failed/);
    assert.match(
      done.stdout,
      /failed {2}http:\/\/127\.0\.0\.1:\d+\/gone\.jpg\n {10}the server answered HTTP 404/,
    );
    const listed = await run('imports');
    assert.match(listed.stdout, /completed {2}5\/5 {2}5 failed/);
    const bad = await run('import', '--collection', 'hotels', '--filter', '{"a":1}');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--filter needs --limit/);
  });

  await t.test('cancelling stops an import with a download in flight', async () => {
    await hotels.insertOne({ _id: 'slow' as never, photos: [{ url: `${b.url}/slow.jpg` }] });
    const id = await start({ ...request, scope: { kind: 'document', id: 'slow' } });
    await eventually(async () => assert.ok((tries.get('/slow.jpg') ?? 0) >= 1), 20_000);
    assert.equal((await call(`/v1/imports/${id}`, bo, { method: 'DELETE' })).status, 404);
    const cancelled = Date.now();
    assert.equal((await call(`/v1/imports/${id}`, ana, { method: 'DELETE' })).status, 202);
    const view = await finished(id);
    assert.equal(view.status, 'cancelled');
    assert.ok(Date.now() - cancelled < 20_000);
  });
});

test('with the protection on, imports refuse private addresses before connecting, with the reason', async (t) => {
  await using stack = await startTestStack();
  const importer = await startImporter(stack.config, stack.conn, silentLogger);
  t.after(() => importer.stop());
  let connections = 0;
  const server = createServer((_req, res) => res.writeHead(200).end('never'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  await stack.conn.mongo.client
    .db('web')
    .collection('pages')
    .insertOne({
      _id: 'p' as never,
      links: [
        `http://127.0.0.1:${port}/a.jpg`,
        `http://[::1]:${port}/b.jpg`,
        'http://10.0.0.1/c.jpg',
        'http://169.254.169.254/latest/meta-data/iam',
        `http://localhost:${port}/d.jpg`,
      ],
    });
  const res = await stack.request(
    '/v1/imports',
    json('POST', { database: 'web', collection: 'pages', scope: { kind: 'document', id: 'p' } }),
  );
  const { id } = (await res.json()) as { id: string };
  const view = await eventually(async () => {
    const v = (await (await stack.request(`/v1/imports/${id}`)).json()) as ImportJson;
    assert.equal(v.status, 'completed');
    return v;
  }, 30_000);
  assert.deepEqual(view.counts, { found: 5, downloaded: 0, skipped: 0, failed: 5 });
  const page = (await (await stack.request(`/v1/imports/${id}/items`)).json()) as {
    items: { url: string; reason: string; attempts: number }[];
  };
  const reasons = page.items.map((i) => i.reason).join('\n');
  assert.match(reasons, /127\.0\.0\.1:\d+ is a loopback address/);
  assert.match(reasons, /\[::1\]:\d+ is a loopback address/);
  assert.match(reasons, /10\.0\.0\.1 is a private address/);
  assert.match(reasons, /169\.254\.169\.254 is a link-local address \(cloud metadata/);
  assert.match(reasons, /localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
  assert.ok(
    page.items.every((i) => i.attempts === 1),
    'a refusal is not retried',
  );
  assert.equal(connections, 0, 'nothing reached the loopback server');
});
