// Operational routes: liveness, readiness, Prometheus metrics, the OpenAPI document and its HTML page.
import { z } from '@hono/zod-openapi';
import type { Registry } from 'prom-client';
import { jsonContent, noQuery } from '../schemas.ts';
import type { App, AppDeps } from '../context.ts';
import { registerDocs } from '../docs-page.ts';
import { STREAMS, eventJsonSchemas } from '../../events/catalog.ts';

const Readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  checks: z.record(z.string(), z.string()).openapi({ example: { nats: 'ok', mongo: 'ok' } }),
});

const ModelInfo = z
  .object({
    name: z.string().openapi({ example: 'realesr-general-x4v3' }),
    description: z.string(),
    kind: z.enum(['photo', 'anime', 'video']),
    scales: z.array(z.number().int()).openapi({ description: 'Native scales; others by `outscale`' }),
    defaultScale: z.number().int(),
    costs: z.array(z.object({ scale: z.number().int(), macsPerOutputPixel: z.number().nullable() })).openapi({
      description: 'Multiply-adds per output pixel of each scale: the time a job takes is proportional to it',
    }),
    recommendedProvider: z.enum(['cpu', 'gpu']),
    aliases: z.object({ cpu: z.array(z.string()), gpu: z.array(z.string()) }).openapi({
      description:
        'The names (`auto`, `photo`, `anime`, `video`) that stand for this model on each kind of worker',
    }),
    licence: z.string(),
    source: z.object({ package: z.string(), version: z.string(), path: z.string().optional() }),
  })
  .openapi('Model');

/** The reference's sections, in the order Swagger UI shows them; a path goes to the first that matches. */
const TAGS = [
  {
    name: 'Images',
    pattern: /^\/v1\/images/,
    description: 'Upload, read, review, edit and delete images and their variants',
  },
  {
    name: 'Accounts',
    pattern: /^\/v1\/auth/,
    description: 'Register, log in, refresh and log out; send the access token as `Authorization: Bearer …`',
  },
  { name: 'Groups', pattern: /^\/v1\/groups/, description: 'Groups of images, newest change first' },
  {
    name: 'Imports',
    pattern: /^\/v1\/imports/,
    description: 'Bring in the images whose URLs are in documents of a MongoDB source; follow and cancel',
  },
  { name: 'Statistics', pattern: /^\/v1\/statistics/, description: 'Images per status over the last days' },
  {
    name: 'Enhancements',
    pattern: /^\/v1\/enhancements/,
    description: 'Upscaling jobs: request, follow, cancel',
  },
  { name: 'Videos', pattern: /^\/v1\/videos/, description: 'Video uploads, posters and upscaled outputs' },
  {
    name: 'Models and limits',
    pattern: /^\/v1\/(models|info)/,
    description: 'What this installation can run, and its limits',
  },
  {
    name: 'Events',
    pattern: /^\/v1\/event-schemas/,
    description: 'For systems that publish requests onto NATS',
  },
  {
    name: 'Operations',
    pattern: /./,
    description: 'Health, readiness, metrics, this document and the web UI',
  },
] as const;

const tagOf = (path: string) => TAGS.find((t) => t.pattern.test(path))!.name;

export function registerSystemRoutes(app: App, { ready, info, models }: AppDeps, registry: Registry): void {
  const doc = app.openAPIRegistry;
  doc.registerPath({
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    responses: { 200: jsonContent(z.object({ status: z.literal('ok') }), 'Alive') },
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  doc.registerPath({
    method: 'get',
    path: '/v1/info',
    summary:
      'The version, the limits a client should check a file against before sending it, and where workers run',
    responses: {
      200: jsonContent(
        z.object({
          version: z.string(),
          limits: z.object({
            maxUploadBytes: z.number().int(),
            maxPixels: z.number().int(),
            maxVideoBytes: z.number().int().optional(),
            maxVideoSeconds: z.number().optional(),
          }),
          workers: z
            .object({
              runtime: z.enum(['local', 'kubernetes']),
              providers: z.array(z.string()).openapi({
                description: 'The execution providers the workers run (cpu, webgpu, cuda)',
                example: ['webgpu'],
              }),
              gpusPerWorker: z.number().int(),
            })
            .optional()
            .openapi({
              description: 'Where enhancements run: choose models by `recommendedProvider` in /v1/models',
            }),
        }),
        'Version and limits',
      ),
    },
  });
  app.get('/v1/info', noQuery, (c) => c.json(info));

  doc.registerPath({
    method: 'get',
    path: '/v1/models',
    summary: 'The installed models: kind, native scales, cost per output pixel, where to run them, licence',
    responses: { 200: jsonContent(z.object({ items: z.array(ModelInfo) }), 'The models, by name') },
  });
  app.get('/v1/models', noQuery, async (c) => c.json({ items: await models() }));

  doc.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: NATS and MongoDB answer (503 naming the one that does not)',
    responses: { 200: jsonContent(Readiness, 'Ready'), 503: jsonContent(Readiness, 'Not ready') },
  });

  app.get('/readyz', async (c) => {
    const checks = await Promise.all(
      Object.entries(ready).map(async ([name, probe]) => {
        try {
          await probe();
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, (err as Error).message] as const;
        }
      }),
    );
    const ok = checks.every(([, result]) => result === 'ok');
    return c.json({ status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(checks) }, ok ? 200 : 503);
  });

  doc.registerPath({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (request durations per route, uploads, process)',
    responses: {
      200: { description: 'Prometheus text format', content: { 'text/plain': { schema: z.string() } } },
    },
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', registry.contentType);
    return c.body(await registry.metrics());
  });

  const document = () =>
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Pixelforge API',
        version: '1',
        description:
          'Images in, organised and enhanced. Writes need an `X-API-Key`; errors are `{ code, message, details? }`.',
      },
    });
  app.get('/openapi.json', (c) => {
    const doc = document();
    doc.components = {
      ...doc.components,
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    };
    doc.tags = TAGS.map(({ name, description }) => ({ name, description }));
    for (const [path, item] of Object.entries(doc.paths ?? {}))
      for (const operation of Object.values(item as Record<string, { tags?: string[] }>))
        if (operation && typeof operation === 'object' && !operation.tags) operation.tags = [tagOf(path)];
    return c.json(doc);
  });
  doc.registerPath({
    method: 'get',
    path: '/openapi.json',
    summary: 'This document (OpenAPI 3.1)',
    responses: { 200: jsonContent(z.record(z.string(), z.unknown()), 'The OpenAPI document') },
  });
  doc.registerPath({
    method: 'get',
    path: '/docs',
    summary: 'The interactive reference (Swagger UI) over this document',
    responses: { 200: { description: 'HTML', content: { 'text/html': { schema: z.string() } } } },
  });
  registerDocs(app, document);

  // Publishers outside Pixelforge write the same events; these are their schemas (subject = type).
  const schemas = eventJsonSchemas();
  doc.registerPath({
    method: 'get',
    path: '/v1/event-schemas',
    summary: 'The JetStream streams and the JSON Schema of every event, for publishers outside Pixelforge',
    responses: {
      200: jsonContent(
        z.object({ streams: z.record(z.string(), z.unknown()), events: z.record(z.string(), z.unknown()) }),
        'Streams and event schemas (subject = type)',
      ),
    },
  });
  app.get('/v1/event-schemas', noQuery, (c) => c.json({ streams: STREAMS, events: schemas }));
}
