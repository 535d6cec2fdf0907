// The importer's downloads against real local HTTP servers: redirects, retryable and final statuses,
// Retry-After, deadlines, declared sizes, and the address policy refusing before any connection is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDownloadAgents, DownloadError, openDownload, retryAfterMs } from './download.ts';

async function serve(host: string, handler: Parameters<typeof createServer>[1]) {
  const server: Server = createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    connections: () => connections,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const failure = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DownloadError, String(err));
    return err;
  }
  assert.fail('the download succeeded');
};

const open = { maxBytes: 1024 * 1024, allowPrivate: true };

test('downloads follow redirects and report what the server said', async (t) => {
  await using server = await serve('127.0.0.1', (req, res) => {
    const path = req.url ?? '/';
    if (path === '/photo.jpg') {
      res.writeHead(200, {
        'content-type': 'image/jpeg',
        etag: '"v1"',
        'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT',
      });
      return res.end('jpeg bytes');
    }
    if (path === '/moved') return res.writeHead(302, { location: '/moved-again' }).end();
    if (path === '/moved-again') return res.writeHead(301, { location: '/photo.jpg' }).end();
    if (path.startsWith('/loop')) return res.writeHead(302, { location: `/loop${path.length}` }).end();
    if (path === '/broken') return res.writeHead(500).end();
    if (path === '/busy') return res.writeHead(429, { 'retry-after': '2' }).end();
    if (path === '/missing') return res.writeHead(404).end();
    if (path === '/huge') return res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) }).end();
    if (path === '/slow-head') return setTimeout(() => res.writeHead(200).end('late'), 2000);
    if (path === '/slow-body') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const drip = setInterval(() => res.write('x'), 50);
      res.on('close', () => clearInterval(drip));
      return;
    }
    res.writeHead(404).end();
  });

  await t.test('a redirect chain ends at the image, with its type, ETag and Last-Modified', async () => {
    const got = await openDownload(`${server.url}/moved`, open);
    assert.equal(got.finalUrl, `${server.url}/photo.jpg`);
    assert.deepEqual(
      [got.contentType, got.etag, got.lastModified],
      ['image/jpeg', '"v1"', 'Tue, 01 Dec 2026 10:00:00 GMT'],
    );
    let body = '';
    for await (const chunk of got.body) body += chunk;
    assert.equal(body, 'jpeg bytes');
  });

  await t.test('a redirect loop stops after 5', async () => {
    const err = await failure(openDownload(`${server.url}/loop`, open));
    assert.deepEqual([err.kind, err.retryable], ['redirects', false]);
  });

  await t.test('5xx and 429 are retryable (with Retry-After), other 4xx are final', async () => {
    const broken = await failure(openDownload(`${server.url}/broken`, open));
    assert.deepEqual([broken.kind, broken.status, broken.retryable], ['http', 500, true]);
    const busy = await failure(openDownload(`${server.url}/busy`, open));
    assert.deepEqual([busy.status, busy.retryable, busy.retryAfterMs], [429, true, 2000]);
    const missing = await failure(openDownload(`${server.url}/missing`, open));
    assert.deepEqual([missing.status, missing.retryable], [404, false]);
  });

  await t.test('deadlines: the headers, and the whole body', async () => {
    const head = await failure(openDownload(`${server.url}/slow-head`, { ...open, headersTimeoutMs: 200 }));
    assert.deepEqual([head.kind, head.retryable], ['timeout', true]);
    const got = await openDownload(`${server.url}/slow-body`, { ...open, totalTimeoutMs: 400 });
    const err = await failure(
      (async () => {
        for await (const _ of got.body);
      })(),
    );
    assert.deepEqual([err.kind, err.retryable], ['timeout', true]);
  });

  await t.test('a declared size over the limit is refused before the body', async () => {
    const err = await failure(openDownload(`${server.url}/huge`, open));
    assert.deepEqual([err.kind, err.retryable], ['too_large', false]);
  });
});

test('kept connections: downloads through shared agents reuse one, without agents each opens its own', async () => {
  await using server = await serve('127.0.0.1', (_req, res) =>
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end('jpeg bytes'),
  );
  const fetchThree = async (options: Parameters<typeof openDownload>[1]) => {
    for (let i = 0; i < 3; i++) {
      const got = await openDownload(`${server.url}/p${i}.jpg`, options);
      for await (const _ of got.body);
    }
  };
  await fetchThree(open);
  assert.equal(server.connections(), 3, 'no agents: a connection per download');
  const agents = createDownloadAgents({ perHost: 2 });
  try {
    await fetchThree({ ...open, agents });
    assert.equal(server.connections(), 4, 'the agents kept one connection for all three');
  } finally {
    agents.destroy();
  }
});

test('with the protection on, private addresses are refused before any connection is made', async () => {
  await using loopback = await serve('127.0.0.1', (req, res) => {
    if (req.url === '/to-private') return res.writeHead(302, { location: `${other.url}/x.jpg` }).end();
    res.writeHead(200).end('public image');
  });
  await using other = await serve('127.0.0.2', (_req, res) => res.writeHead(200).end('secret'));
  const port = new URL(loopback.url).port;
  const guarded = { maxBytes: 1024 };
  for (const url of [
    `${loopback.url}/a.jpg`,
    `http://[::1]:${port}/a.jpg`,
    'http://10.0.0.1/a.jpg',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:127.0.0.1]/a.jpg',
  ]) {
    const err = await failure(openDownload(url, guarded));
    assert.deepEqual([err.kind, err.retryable], ['refused', false], url);
  }
  // A name that resolves to a loopback address is refused on its DNS answer.
  const resolve = ((
    _host: string,
    _options: unknown,
    callback: (e: null, a: { address: string; family: number }[]) => void,
  ) => callback(null, [{ address: '127.0.0.1', family: 4 }])) as never;
  const named = await failure(openDownload(`http://images.example:${port}/a.jpg`, { ...guarded, resolve }));
  assert.match(named.message, /images\.example resolves to 127\.0\.0\.1, a loopback address/);
  assert.equal(loopback.connections(), 0, 'nothing reached the loopback server');

  // An address the operator allows is fetched; its redirect to another private one is refused.
  const allowed = { ...guarded, allowAddresses: ['127.0.0.1/32'] };
  const ok = await openDownload(`${loopback.url}/a.jpg`, allowed);
  ok.body.resume();
  const redirected = await failure(openDownload(`${loopback.url}/to-private`, allowed));
  assert.equal(redirected.kind, 'refused');
  assert.equal(other.connections(), 0, 'the redirect target was never contacted');
});

test('Retry-After in seconds or as an HTTP date', () => {
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(
    retryAfterMs('Thu, 03 Dec 2026 12:00:10 GMT', Date.parse('Thu, 03 Dec 2026 12:00:00 GMT')),
    10_000,
  );
  assert.equal(retryAfterMs('soon'), undefined);
  assert.equal(retryAfterMs(undefined), undefined);
});
