// What a new user hits first (issue 14): error codes that match their statuses, group names in listings, and
// query parameters that are refused rather than silently ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listen } from '../internal/wiring/ingress.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';
import { TEST_API_KEY, startTestStack } from './support/stack.ts';
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
      '/v1/statistics/daily?day=7',
      // Routes without a query schema refuse every parameter too.
      '/v1/info?verbose=1',
      '/v1/models?kind=photo',
      '/v1/event-schemas?format=yaml',
      '/v1/enhancements/some-job/events?since=3',
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

test('an upload over the limit gets its 413 however the client sends it, and the CLI says so before sending', async (t) => {
  const limit = 1024 * 1024;
  await using stack = await startTestStack({ env: { PIXELFORGE_MAX_UPLOAD_BYTES: String(limit) } });
  await using server = await listen(stack.app, 0, '127.0.0.1');

  await t.test('GET /v1/info gives the version, the limits and where workers run', async () => {
    const info = (await (await fetch(`${server.url}/v1/info`)).json()) as {
      version: string;
      limits: { maxUploadBytes: number; maxPixels: number; maxVideoBytes: number };
      workers: { runtime: string; providers: string[]; gpusPerWorker: number };
    };
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(info.workers, { runtime: 'local', providers: ['cpu'], gpusPerWorker: 0 });
    assert.equal(info.limits.maxUploadBytes, limit);
    assert.ok(info.limits.maxPixels > 0 && info.limits.maxVideoBytes > 0);
  });

  await t.test('a body three times the limit: fetch sees 413 payload_too_large, every time', async () => {
    const big = Buffer.alloc(3 * limit, 1);
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/v1/images`, {
        method: 'POST',
        headers: { 'x-api-key': TEST_API_KEY },
        body: uploadForm(big, { group: 'big' }, 'big.jpg'),
      });
      const body = (await res.json()) as { code: string; message: string };
      assert.deepEqual([res.status, body.code], [413, 'payload_too_large'], `attempt ${i}`);
    }
  });

  await t.test('a JSON upload with the file in base64: the same checks as multipart', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/v1/images`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': TEST_API_KEY },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const jpeg = await makeJpeg(40, 30);
    const made = await post({
      group: 'Base64',
      filename: 'b64.jpg',
      data: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
      tags: ['api'],
    });
    assert.equal(made.status, 201, await made.clone().text());
    const image = (await made.json()) as { id: string; width: number; filename: string; tags: string[] };
    assert.deepEqual([image.width, image.filename, image.tags], [40, 'b64.jpg', ['api']]);
    const bytes = Buffer.from(
      await (
        await fetch(`${server.url}/v1/images/${image.id}/content`, { headers: { 'x-api-key': TEST_API_KEY } })
      ).arrayBuffer(),
    );
    assert.ok(bytes.equals(jpeg), 'the stored bytes are the decoded file');

    const refusals: [unknown, number, string, RegExp][] = [
      [{ group: 'Base64' }, 400, 'validation_failed', /data is required/],
      [{ group: 'Base64', data: 'not base64!' }, 400, 'validation_failed', /data is not valid base64/],
      [{ group: 5, data: jpeg.toString('base64') }, 400, 'validation_failed', /group/],
      [{ group: 'Base64', data: jpeg.toString('base64'), colour: 'red' }, 400, 'validation_failed', /colour/],
      ['{"group": "Base64", "data": "', 400, 'validation_failed', /not valid JSON/],
      [
        { group: 'Base64', data: Buffer.from('<html>').toString('base64') },
        415,
        'unsupported_media_type',
        /not a JPEG/,
      ],
      [
        { group: 'Base64', data: jpeg.subarray(0, 200).toString('base64') },
        422,
        'corrupt_image',
        /truncated/,
      ],
      // Over the limit once decoded, and over the limit as a body: 413 both.
      [
        { group: 'Base64', data: Buffer.alloc(limit + 3).toString('base64') },
        413,
        'payload_too_large',
        /limit/,
      ],
      [
        { group: 'Base64', data: Buffer.alloc(limit * 2).toString('base64') },
        413,
        'payload_too_large',
        /limit/,
      ],
    ];
    for (const [body, status, code, message] of refusals) {
      const res = await post(body);
      const problem = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, status, `${JSON.stringify(body).slice(0, 60)}: ${JSON.stringify(problem)}`);
      assert.equal(problem.code, code, problem.message);
      assert.match(problem.message, message);
    }
  });

  await t.test('pixelforge upload refuses the file before sending it, naming both sizes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-big-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'big.jpg');
    await writeFile(file, Buffer.alloc(3 * limit, 1));
    const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', 'upload', file, '--group', 'big'],
        { env: { ...process.env, PIXELFORGE_URL: server.url, PIXELFORGE_API_KEY: TEST_API_KEY } },
        (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }),
      ),
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /refused: too large: 3\.0 MiB, the server takes at most 1\.0 MiB/);
  });
});

test('start-up and connection mistakes are one sentence, not a stack', async (t) => {
  await using stack = await startTestStack({ projector: false });
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const cli = (args: string[], env: Record<string, string | undefined>) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', ...args],
        { env: { ...process.env, PIXELFORGE_API_KEY: undefined, ...env } },
        (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }),
      ),
    );

  await t.test('PIXELFORGE_URL at a server that is not Pixelforge', async () => {
    const other = createServer((_req, res) => res.end('<html>a router login page</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => other.close(resolve)));
    const { port } = other.address() as AddressInfo;
    const { code, stderr } = await cli(['groups'], { PIXELFORGE_URL: `http://127.0.0.1:${port}` });
    assert.equal(code, 1);
    assert.match(
      stderr,
      /answered HTTP 200 with .*not Pixelforge's JSON; is PIXELFORGE_URL the Pixelforge API\?/,
    );
    assert.doesNotMatch(stderr, /SyntaxError|\n\s+at /);
  });

  await t.test('a write without a key says where the key file was looked for', async () => {
    const { code, stderr } = await cli(['upload', 'package.json', '--group', 'g'], {
      PIXELFORGE_URL: server.url,
      PIXELFORGE_DATA_DIR: '/nonexistent/pixelforge-data',
      PIXELFORGE_CONFIG_DIR: '/nonexistent/pixelforge-config',
    });
    assert.equal(code, 1);
    assert.match(
      stderr,
      /needs a login or an API key: run `pixelforge login`, set PIXELFORGE_API_KEY, or .*\/nonexistent\/pixelforge-data\/admin\.key/,
    );
  });

  await t.test('a port in use is refused with a sentence', async () => {
    await assert.rejects(listen(stack.app, server.port, '127.0.0.1'), (err: Error) => {
      assert.match(err.message, new RegExp(`port ${server.port} on 127\\.0\\.0\\.1 is already in use`));
      return true;
    });
  });
});
