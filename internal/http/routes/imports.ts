// /v1/imports: bring in the images whose URLs are in documents of a MongoDB source; follow, list and cancel.
import { createRoute, z } from '@hono/zod-openapi';
import type { ImportService } from '../../imports/import-service.ts';
import { IMPORT_OUTCOMES, IMPORT_STATUSES, importEnded, type ImportView } from '../../imports/import.ts';
import { streamSSE } from 'hono/streaming';
import type { App } from '../context.ts';
import {
  OwnerFilter,
  SESSION_OR_KEY,
  jsonContent,
  noQuery,
  problemResponses,
  queryObject,
} from '../schemas.ts';

const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const Limit = z.coerce.number().int().min(1).max(500).default(50);
const Cursor = z.string().max(512).optional();

const ImportBody = z.record(z.string(), z.unknown()).openapi({
  example: {
    source: 'default',
    database: 'serpy',
    collection: 'hotels',
    scope: { kind: 'filter', filter: { city: 'Lisbon' }, limit: 50 },
    fields: ['photos.url'],
    group: '{collection}/{name}',
  },
});

const ImportJson = z
  .object({
    id: z.string(),
    owner: z.string().nullable(),
    request: z.record(z.string(), z.unknown()),
    status: z.enum(IMPORT_STATUSES),
    cancelRequested: z.boolean(),
    documents: z.number().int().nullable(),
    counts: z.object({ found: z.number(), downloaded: z.number(), skipped: z.number(), failed: z.number() }),
    reason: z.string().nullable(),
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    items: z.string().openapi({ description: 'Where its items (and failures, with reasons) are listed' }),
  })
  .openapi('Import');

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const importJson = (v: ImportView) => ({
  id: v.id,
  owner: v.owner,
  request: v.request as Record<string, unknown>,
  status: v.status,
  cancelRequested: v.cancelRequested,
  documents: v.documents,
  counts: v.counts,
  reason: v.reason,
  createdAt: iso(v.createdAt)!,
  startedAt: iso(v.startedAt),
  completedAt: iso(v.completedAt),
  items: `/v1/imports/${v.id}/items`,
});

export function registerImportRoutes(app: App, service: ImportService): void {
  const tags = ['Imports'];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/imports',
      tags,
      summary:
        'Import the images whose URLs are in documents of a MongoDB source (202: the importer runs it)',
      description:
        '`scope` is `{kind: "collection", limit?}`, `{kind: "document", id}` (an ObjectId as 24 hex or `{$oid}`, or a string) ' +
        'or `{kind: "filter", filter, limit}` (a query document: comparison and matching operators only; `$where`, ' +
        '`$function`, `$accumulator` and `$expr` are refused). `fields` are dotted paths to URLs, arrays of them or ' +
        'objects with a `url`; without them every http(s) URL string is taken. Each document becomes a group named ' +
        'by `group` (`{collection}`, `{_id}`, `{field.path}`).',
      security: SESSION_OR_KEY,
      request: { body: { required: true, content: { 'application/json': { schema: ImportBody } } } },
      responses: {
        202: jsonContent(z.object({ id: z.string(), seq: z.number().int(), url: z.string() }), 'Accepted'),
        ...problemResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { id, seq } = await service.request(c.get('caller'), c.req.valid('json'));
      c.header('Location', `/v1/imports/${id}`);
      return c.json({ id, seq, url: `/v1/imports/${id}` }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/imports',
      tags,
      summary: 'Imports, newest first, by status',
      request: {
        query: queryObject({
          status: z.enum(IMPORT_STATUSES).optional(),
          owner: OwnerFilter,
          limit: Limit,
          cursor: Cursor,
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(ImportJson), nextCursor: z.string().nullable() }),
          'A page',
        ),
        ...problemResponses(400, 401),
      },
    }),
    async (c) => {
      const { status, owner, limit, cursor } = c.req.valid('query');
      const page = await service.list(c.get('caller'), {
        limit,
        ...(status ? { status } : {}),
        ...(owner ? { owner } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json({ items: page.items.map(importJson), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/imports/{id}',
      tags,
      summary: 'One import: status and counts (found, downloaded, skipped, failed)',
      request: { params: IdParam },
      responses: { 200: jsonContent(ImportJson, 'The import'), ...problemResponses(401, 404) },
    }),
    async (c) => c.json(importJson(await service.get(c.get('caller'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/imports/{id}/items',
      tags,
      summary:
        "An import's URLs with their outcomes, in the order they finished (`outcome=failed`: the failures and why)",
      request: {
        params: IdParam,
        query: queryObject({ outcome: z.enum(IMPORT_OUTCOMES).optional(), limit: Limit, cursor: Cursor }),
      },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(z.record(z.string(), z.unknown())), nextCursor: z.string().nullable() }),
          'A page',
        ),
        ...problemResponses(400, 401, 404),
      },
    }),
    async (c) => {
      const { outcome, limit, cursor } = c.req.valid('query');
      const page = await service.items(c.get('caller'), c.req.valid('param').id, {
        limit,
        ...(outcome ? { outcome } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json(page as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/imports/{id}',
      tags,
      summary: 'Cancel an import: no new downloads start, and those in flight stop within a second',
      security: SESSION_OR_KEY,
      request: { params: IdParam },
      responses: {
        202: jsonContent(z.object({ id: z.string(), seq: z.number().int() }), 'Cancellation requested'),
        ...problemResponses(401, 404, 409),
      },
    }),
    async (c) => c.json(await service.cancel(c.get('caller'), c.req.valid('param').id), 202),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/imports/{id}/events',
    tags,
    summary: "An import's progress as it happens (Server-Sent Events)",
    description:
      'An `import` event with the import as `GET /v1/imports/{id}` shows it, then another each time its status or ' +
      'counts change (at most 4 a second), and a `: keep-alive` comment when quiet; the stream ends with the event ' +
      'that shows it completed, failed or was cancelled.',
    request: { params: IdParam },
    responses: {
      200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
      ...problemResponses(401, 404),
    },
  });
  app.get('/v1/imports/:id/events', noQuery, async (c) => {
    const caller = c.get('caller');
    const id = IdParam.parse({ id: c.req.param('id') }).id;
    let view = await service.get(caller, id);
    return streamSSE(c, async function streamImportProgress(stream) {
      let sent = '';
      let quiet = 0;
      while (!stream.aborted) {
        const json = JSON.stringify(importJson(view));
        if (json !== sent) {
          await stream.writeSSE({ event: 'import', data: json });
          sent = json;
          quiet = 0;
        } else if (++quiet % 60 === 0) await stream.write(': keep-alive\n\n');
        if (importEnded(view.status)) return;
        // The read model moves with every outcome: reading it four times a second is cheap and misses nothing.
        await stream.sleep(250);
        view = await service.get(caller, id);
      }
    });
  });
}
