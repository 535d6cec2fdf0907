// The HTTP contract of the ingress, end to end through real NATS JetStream, the projector and MongoDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startTestStack, type TestStack } from './support/stack.ts';
import { makeJpeg, makePng, uploadForm } from './support/images.ts';

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** `stack.request` as a newly registered account with the `user` role, by bearer token. */
async function asUser(stack: TestStack): Promise<TestStack['request']> {
  const credentials = { email: 'contract@example.com', password: 'a long enough passphrase' };
  assert.equal((await stack.app.request('/v1/auth/register', json(credentials))).status, 201);
  const session = await (await stack.app.request('/v1/auth/login', json(credentials))).json();
  return async (path, init = {}) =>
    stack.app.request(path, {
      ...init,
      headers: { authorization: `Bearer ${session.accessToken}`, ...(init.headers as object) },
    });
}

for (const caller of ['an operator key', 'a user account'] as const)
  test(`the ingress HTTP contract, as ${caller}`, async (t) => {
    await using stack = await startTestStack();
    const request = caller === 'an operator key' ? stack.request : await asUser(stack);
    const jpeg = await makeJpeg(64, 48);

    const upload = async (
      group: string,
      file: Uint8Array = jpeg,
      extra: Record<string, string> = {},
      name?: string,
    ) => {
      const res = await request('/v1/images', {
        method: 'POST',
        body: uploadForm(file, { group, ...extra }, name),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as { id: string; seq: number; group: string; status: string };
    };

    await t.test('groups: create, conflict on the same name, validation, authentication', async () => {
      const res = await request('/v1/groups', json({ name: 'Holiday 2026' }));
      assert.equal(res.status, 201);
      const group = await res.json();
      assert.equal(group.name, 'Holiday 2026');
      assert.match(group.id, /^[0-9A-Z]{26}$/);
      assert.ok(Date.parse(group.createdAt));
      assert.equal(res.headers.get('location'), `/v1/groups/${group.id}`);
      const detail = await (await request(`${res.headers.get('location')}?after=${group.seq}`)).json();
      assert.deepEqual(
        [detail.name, detail.count, detail.statusCounts],
        ['Holiday 2026', 0, { new: 0, review: 0, accepted: 0, deleted: 0 }],
      );
      assert.equal((await request('/v1/groups/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status, 404);
      assert.equal((await request('/v1/groups/nope')).status, 400);

      const again = await request(`/v1/groups?after=${group.seq}`, json({ name: '  holiday   2026 ' }));
      assert.equal(again.status, 409);
      assert.equal((await again.json()).code, 'conflict');

      const empty = await request('/v1/groups', json({ name: '' }));
      assert.equal(empty.status, 400);
      assert.equal((await empty.json()).code, 'validation_failed');

      const wrongType = await request('/v1/groups', json({ name: 42 }));
      assert.equal(wrongType.status, 400);

      const malformed = await request('/v1/groups', { ...json({}), body: '{"name": ' });
      assert.equal(malformed.status, 400);

      const anonymous = await stack.app.request('/v1/groups', json({ name: 'x' }));
      assert.equal(anonymous.status, 401);
      assert.equal((await anonymous.json()).code, 'unauthorized');
      const badKey = await stack.app.request('/v1/groups', {
        ...json({ name: 'x' }),
        headers: { 'x-api-key': 'nope' },
      });
      assert.equal(badKey.status, 401);
    });

    let imageId = '';
    let uploadSeq = 0;
    await t.test('upload: type from the bytes, dimensions, checksum, Location and seq', async () => {
      const res = await request('/v1/images', {
        method: 'POST',
        body: uploadForm(jpeg, { group: 'Cats', uploader: 'ada', tags: 'cute, cat,cute' }, 'not-really.png'),
      });
      assert.equal(res.status, 201);
      const body = await res.json();
      imageId = body.id;
      uploadSeq = body.seq;
      assert.equal(res.headers.get('location'), `/v1/images/${imageId}`);
      assert.equal(body.contentType, 'image/jpeg');
      assert.equal(body.width, 64);
      assert.equal(body.height, 48);
      assert.equal(body.size, jpeg.length);
      assert.equal(body.sha256, createHash('sha256').update(jpeg).digest('hex'));
      assert.equal(body.filename, 'not-really.png');
      assert.equal(body.groupName, 'Cats');
      assert.deepEqual(body.tags, ['cute', 'cat']);
      assert.equal(body.status, 'new');
      assert.equal(body.url, `/v1/images/${imageId}/content`);
      assert.ok(Number.isInteger(body.seq) && body.seq > 0);
    });

    await t.test('read your write: GET with ?after=seq sees the upload', async () => {
      const res = await request(`/v1/images/${imageId}?after=${uploadSeq}`);
      assert.equal(res.status, 200);
      const image = await res.json();
      for (const key of [
        'id',
        'group',
        'filename',
        'contentType',
        'size',
        'width',
        'height',
        'sha256',
        'uploader',
        'tags',
        'status',
        'url',
        'createdAt',
        'updatedAt',
      ]) {
        assert.ok(key in image, `missing ${key}`);
      }
      assert.equal(image.uploader, 'ada');
      assert.equal(image.status, 'new');
    });

    await t.test('content: bytes, type, ETag, conditional and ranged requests', async () => {
      const res = await request(`/v1/images/${imageId}/content`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), jpeg);
      const etag = res.headers.get('etag')!;
      assert.match(etag, /^"[0-9a-f]{64}"$/);

      const cached = await request(`/v1/images/${imageId}/content`, { headers: { 'if-none-match': etag } });
      assert.equal(cached.status, 304);

      const ranged = await request(`/v1/images/${imageId}/content`, { headers: { range: 'bytes=10-19' } });
      assert.equal(ranged.status, 206);
      assert.equal(ranged.headers.get('content-range'), `bytes 10-19/${jpeg.length}`);
      assert.deepEqual(Buffer.from(await ranged.arrayBuffer()), jpeg.subarray(10, 20));

      const suffix = await request(`/v1/images/${imageId}/content`, { headers: { range: 'bytes=-5' } });
      assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), jpeg.subarray(-5));

      const outside = await request(`/v1/images/${imageId}/content`, {
        headers: { range: `bytes=${jpeg.length}-` },
      });
      assert.equal(outside.status, 416);
      assert.equal(outside.headers.get('content-range'), `bytes */${jpeg.length}`);
    });

    await t.test('ids: malformed → 400, unknown → 404', async () => {
      assert.equal((await request('/v1/images/not-an-id')).status, 400);
      assert.equal((await request('/v1/images/not-an-id/content')).status, 400);
      const unknown = await request('/v1/images/01ARZ3NDEKTSV4RRFFQ69G5FAV');
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).code, 'not_found');
      const put = await request('/v1/images/01ARZ3NDEKTSV4RRFFQ69G5FAV/status', {
        ...json({ status: 'review' }),
        method: 'PUT',
      });
      assert.equal(put.status, 404);
    });

    await t.test('PATCH metadata', async () => {
      const res = await request(`/v1/images/${imageId}`, {
        ...json({ uploader: 'grace', tags: ['a', 'b'] }),
        method: 'PATCH',
      });
      assert.equal(res.status, 200);
      const { seq } = await res.json();
      const image = await (await request(`/v1/images/${imageId}?after=${seq}`)).json();
      assert.equal(image.uploader, 'grace');
      assert.deepEqual(image.tags, ['a', 'b']);
      const bad = await request(`/v1/images/${imageId}`, {
        ...json({ tags: 'not-a-list' }),
        method: 'PATCH',
      });
      assert.equal(bad.status, 400);
      const unknownField = await request(`/v1/images/${imageId}`, {
        ...json({ status: 'accepted' }),
        method: 'PATCH',
      });
      assert.equal(unknownField.status, 400);
    });

    await t.test('PUT status: valid values move the image, others are refused by name', async () => {
      const res = await request(`/v1/images/${imageId}/status`, {
        ...json({ status: 'review' }),
        method: 'PUT',
      });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.id, imageId);
      assert.equal(body.status, 'review');
      const image = await (await request(`/v1/images/${imageId}?after=${body.seq}`)).json();
      assert.equal(image.status, 'review');

      const bad = await request(`/v1/images/${imageId}/status`, {
        ...json({ status: 'approved' }),
        method: 'PUT',
      });
      assert.equal(bad.status, 400);
      const problem = await bad.json();
      assert.equal(problem.code, 'validation_failed');
      assert.match(problem.message, /new, review, accepted, deleted/);
      const wrongType = await request(`/v1/images/${imageId}/status`, {
        ...json({ status: 3 }),
        method: 'PUT',
      });
      assert.equal(wrongType.status, 400);
    });

    await t.test(
      'groups: ordered by latest image change, filtered by status, counted, paginated',
      async () => {
        const dogs = await upload('Dogs');
        const birds = await upload('Birds');
        await upload('Birds', await makePng(), {}, 'bird.png');
        // The cat image changes last: Cats moves to the front.
        const res = await request(`/v1/images/${imageId}/status`, {
          ...json({ status: 'accepted' }),
          method: 'PUT',
        });
        const { seq } = await res.json();

        const all = await (await request(`/v1/groups?after=${seq}`)).json();
        assert.deepEqual(
          all.items.map((g: { name: string }) => g.name),
          ['Cats', 'Birds', 'Dogs', 'Holiday 2026'],
        );
        const birdsGroup = all.items[1];
        assert.equal(birdsGroup.count, 2);
        assert.equal(birdsGroup.images.length, 2);
        assert.equal(birdsGroup.images[0].filename, 'bird.png', 'images newest change first');
        assert.equal(all.items[3].count, 0);

        const accepted = await (await request('/v1/groups?status=accepted')).json();
        assert.deepEqual(
          accepted.items.map((g: { name: string; count: number }) => [g.name, g.count]),
          [['Cats', 1]],
        );
        const fresh = await (await request('/v1/groups?status=new')).json();
        assert.deepEqual(
          fresh.items.map((g: { name: string; count: number }) => [g.name, g.count]),
          [
            ['Birds', 2],
            ['Dogs', 1],
          ],
        );

        const first = await (await request('/v1/groups?limit=2')).json();
        assert.equal(first.items.length, 2);
        assert.ok(first.nextCursor);
        const second = await (await request(`/v1/groups?limit=2&cursor=${first.nextCursor}`)).json();
        assert.deepEqual(
          second.items.map((g: { name: string }) => g.name),
          ['Dogs', 'Holiday 2026'],
        );
        assert.equal(second.nextCursor, null);
        assert.equal((await request('/v1/groups?cursor=garbage')).status, 400);
        assert.equal((await request('/v1/groups?limit=0')).status, 400);
        assert.equal((await request('/v1/groups?status=maybe')).status, 400);

        const byGroup = await (await request(`/v1/images?group=${birds.group}`)).json();
        assert.equal(byGroup.items.length, 2);
        const paged = await (await request(`/v1/images?limit=1&status=new`)).json();
        assert.equal(paged.items.length, 1);
        const rest = await (await request(`/v1/images?limit=5&status=new&cursor=${paged.nextCursor}`)).json();
        assert.equal(rest.items.length, 2);
        assert.ok(!rest.items.some((i: { id: string }) => i.id === paged.items[0].id));
        assert.ok(dogs.id);
      },
    );

    await t.test('statistics: every status, images created in the window', async () => {
      const stats = await (await request('/v1/statistics?days=30')).json();
      assert.deepEqual(stats, { new: 3, review: 0, accepted: 1, deleted: 0 });
      assert.equal((await request('/v1/statistics?days=0')).status, 400);
      assert.equal((await request('/v1/statistics?days=abc')).status, 400);
    });

    await t.test('DELETE: the image leaves every read model and its bytes go', async () => {
      const res = await request(`/v1/images/${imageId}`, { method: 'DELETE' });
      assert.equal(res.status, 204);
      const seq = Number(res.headers.get('pixelforge-seq'));
      assert.equal((await request(`/v1/images/${imageId}?after=${seq}`)).status, 404);
      const groups = await (await request('/v1/groups')).json();
      const cats = groups.items.find((g: { name: string }) => g.name === 'Cats');
      assert.equal(cats.count, 0);
      assert.deepEqual(await (await request('/v1/statistics')).json(), {
        new: 3,
        review: 0,
        accepted: 0,
        deleted: 0,
      });
      const deadline = Date.now() + 5000;
      while ((await stack.conn.blobs.stat(imageId)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(await stack.conn.blobs.stat(imageId), null);
      assert.equal((await request(`/v1/images/${imageId}`, { method: 'DELETE' })).status, 404);
    });

    await t.test(
      'models: what the installed manifests offer, with kind, costs and where to run them',
      async () => {
        const res = await request('/v1/models');
        assert.equal(res.status, 200);
        const { items } = (await res.json()) as {
          items: {
            name: string;
            kind: string;
            scales: number[];
            recommendedProvider: string;
            costs: { scale: number; macsPerOutputPixel: number | null }[];
            aliases: { cpu: string[]; gpu: string[] };
            licence: string;
          }[];
        };
        const byName = Object.fromEntries(items.map((m) => [m.name, m]));
        assert.deepEqual(
          items.map((m) => m.name),
          [...items.map((m) => m.name)].sort(),
        );
        assert.deepEqual(
          [
            'realesrgan-x4plus',
            'realesrgan-x4plus-anime',
            'realesr-animevideov3',
            'realesr-general-x4v3',
            'esrgan-slim',
          ].map((name) => [name, byName[name]?.kind, byName[name]?.recommendedProvider]),
          [
            ['realesrgan-x4plus', 'photo', 'gpu'],
            ['realesrgan-x4plus-anime', 'anime', 'gpu'],
            ['realesr-animevideov3', 'video', 'cpu'],
            ['realesr-general-x4v3', 'photo', 'cpu'],
            ['esrgan-slim', 'photo', 'cpu'],
          ],
        );
        assert.deepEqual(byName['realesr-general-x4v3']!.aliases, {
          cpu: ['auto', 'photo', 'anime'],
          gpu: [],
        });
        assert.deepEqual(byName['esrgan-slim']!.scales, [4, 2, 3, 8]);
        assert.deepEqual(byName['esrgan-slim']!.costs[0], { scale: 4, macsPerOutputPixel: 15772 });
        assert.match(byName['realesrgan-x4plus']!.licence, /BSD-3-Clause/);
      },
    );

    await t.test('operations: health, readiness, metrics, OpenAPI, docs, web UI', async () => {
      assert.equal((await request('/healthz')).status, 200);
      const ready = await request('/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual((await ready.json()).checks, { nats: 'ok', mongo: 'ok' });
      const metrics = await (await request('/metrics')).text();
      assert.match(metrics, /pixelforge_http_request_duration_seconds_bucket\{.*route="\/v1\/images"/);
      const openapi = await (await request('/openapi.json')).json();
      // Every route the app answers is in the reference (the reference's own files aside).
      const documented = new Set(
        Object.entries(openapi.paths as Record<string, object>).flatMap(([path, ops]) =>
          Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
        ),
      );
      const routes = stack.app.routes
        .filter((r) => r.method !== 'ALL' && r.path !== '/docs/:file')
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
      assert.ok(routes.length >= 30, `only ${routes.length} routes seen`);
      const missing = [...new Set(routes)].filter((r) => !documented.has(r));
      assert.deepEqual(missing, [], 'routes missing from /openapi.json');
      // Every operation sits in one of the declared sections (Swagger UI groups by them), none in "default".
      const sections = new Set((openapi.tags as { name: string }[]).map((t) => t.name));
      for (const [path, item] of Object.entries(
        openapi.paths as Record<string, Record<string, { tags?: string[] }>>,
      ))
        for (const [method, operation] of Object.entries(item))
          assert.ok(
            operation.tags?.length === 1 && sections.has(operation.tags[0]!),
            `${method} ${path}: ${operation.tags}`,
          );
      assert.deepEqual(openapi.paths['/v1/groups'].post.tags, ['Groups']);
      assert.deepEqual(openapi.paths['/v1/info'].get.tags, ['Models and limits']);
      assert.deepEqual(openapi.paths['/healthz'].get.tags, ['Operations']);
      assert.ok(openapi.paths['/v1/enhancements'].post.requestBody.content['application/json'].examples.size);
      assert.ok(
        openapi.paths['/v1/images/{id}/content'].get.parameters.some(
          (p: { name: string }) => p.name === 'range',
        ),
      );
      assert.deepEqual(openapi.components.securitySchemes.apiKey, {
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
      });
      // The interactive reference: Swagger UI from the ingress itself, and a plain list without scripts.
      const docs = await (await request('/docs')).text();
      assert.match(docs, /<script src="\/docs\/swagger-ui-bundle\.js"><\/script>/);
      assert.match(docs, /PUT<\/span> <code>\/v1\/images\/\{id\}\/status/);
      for (const [file, type] of [
        ['swagger-ui-bundle.js', /javascript/],
        ['swagger-ui.css', /css/],
        ['init.js', /javascript/],
      ] as const) {
        const res = await request(`/docs/${file}`);
        assert.equal(res.status, 200, file);
        assert.match(res.headers.get('content-type') ?? '', type);
        assert.ok((await res.arrayBuffer()).byteLength > (file === 'init.js' ? 100 : 10_000), file);
      }
      assert.match(await (await request('/docs/init.js')).text(), /url: '\/openapi\.json'/);
      assert.equal((await request('/docs/..%2Fpackage.json')).status, 404);
      assert.equal((await request('/docs/index.html')).status, 404);
      // The page is a shell: its modules are served from /ui (the gallery's lazy images are checked in Chromium).
      assert.match(await (await request('/')).text(), /<script type="module" src="\/ui\/main\.ts">/);
      assert.match(await (await request('/ui/gallery.ts')).text(), /loading="lazy"/);
      assert.equal((await request('/v1/nothing-here')).status, 404);
      // No CORS unless origins are configured (cors.test.ts): the UI is served from the API's own origin.
      const foreign = await request('/v1/groups', { headers: { origin: 'https://app.example.com' } });
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
      const { streams, events } = await (await request('/v1/event-schemas')).json();
      assert.equal(streams.images.name, 'PF_IMAGES');
      assert.deepEqual(events['pf.enhancement.requested'].required, [
        'id',
        'time',
        'source',
        'subject',
        'type',
        'data',
      ]);
    });
  });
