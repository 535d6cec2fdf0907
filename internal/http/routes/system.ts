// Operational routes: liveness, readiness, Prometheus metrics, the OpenAPI document and its HTML page.
import type { Registry } from 'prom-client';
import type { App, AppDeps } from '../context.ts';
import { renderDocsPage } from '../docs-page.ts';
import { STREAMS, eventJsonSchemas } from '../../events/catalog.ts';

export function registerSystemRoutes(app: App, { ready, info }: AppDeps, registry: Registry): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  // The version and limits: a client checks a file against them before sending it.
  app.get('/v1/info', (c) => c.json(info));

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
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    };
    return c.json(doc);
  });
  app.get('/docs', (c) => c.html(renderDocsPage(document())));

  // Publishers outside Pixelforge write the same events; these are their schemas (subject = type).
  const schemas = eventJsonSchemas();
  app.get('/v1/event-schemas', (c) => c.json({ streams: STREAMS, events: schemas }));
}
