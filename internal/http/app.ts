// The ingress HTTP application: middleware, routes, error mapping. Tested with `app.request()`, no port.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ValidationError } from '../errors/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { apiKeyAuth } from './auth.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { createErrorHandler } from './errors.ts';
import { createHttpMetrics } from './metrics.ts';
import { readYourWrites } from './read-your-writes.ts';
import { traceRequests } from './tracing.ts';
import { registerEnhancementRoutes } from './routes/enhancements.ts';
import { registerGroupRoutes } from './routes/groups.ts';
import { registerImageRoutes } from './routes/images.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerVideoRoutes } from './routes/videos.ts';
import { createUploadSlots } from './upload-slots.ts';
import { registerWebUi } from './web-ui.ts';

/** Builds the app; every dependency comes in through `deps`. */
export function createApp(deps: AppDeps, logger: Logger) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
        throw new ValidationError(`${where}${issue.message}`, result.error.issues);
      }
    },
  });
  const metrics = createHttpMetrics();
  app.onError(createErrorHandler(logger));
  app.notFound((c) =>
    c.json({ code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  app.use('*', traceRequests());
  app.use('*', metrics.middleware);
  app.use('/v1/*', apiKeyAuth({ keys: deps.apiKeys }));
  app.use('/v1/*', readYourWrites({ progress: deps.progress, waitMs: deps.readWaitMs }));
  // Uploads stream with their own limits; every other body is small JSON.
  app.use('/v1/*', async function limitJsonBodies(c, next) {
    if ((c.req.path === '/v1/images' || c.req.path === '/v1/videos') && c.req.method === 'POST')
      return next();
    return bodyLimit({ maxSize: 64 * 1024 })(c, next);
  });
  // One bound for every upload route: each upload in flight holds a few MB of buffers in this process.
  const uploadSlots = createUploadSlots({ limit: deps.maxConcurrentUploads });
  registerImageRoutes(app, deps, uploadSlots);
  if (deps.videos) registerVideoRoutes(app, deps.videos, deps.blobs, uploadSlots);
  registerGroupRoutes(app, deps);
  if (deps.enhancements) registerEnhancementRoutes(app, deps.enhancements);
  registerSystemRoutes(app, deps, metrics.registry);
  registerWebUi(app);
  return app;
}

export type IngressApp = ReturnType<typeof createApp>;
