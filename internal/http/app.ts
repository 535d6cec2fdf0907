// The ingress HTTP application: middleware, routes, error mapping. Tested with `app.request()`, no port.
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { ValidationError } from '../errors/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { apiKeyAuth } from './auth.ts';
import { registerBrowserSessionRoutes } from './routes/browser-session.ts';
import { registerApiKeyRoutes } from './routes/api-keys.ts';
import { registerImportRoutes } from './routes/imports.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { createErrorHandler } from './errors.ts';
import { createHttpMetrics } from './metrics.ts';
import { readYourWrites } from './read-your-writes.ts';
import { traceRequests } from './tracing.ts';
import { registerEnhancementRoutes } from './routes/enhancements.ts';
import { registerGroupRoutes } from './routes/groups.ts';
import { registerImageRoutes } from './routes/images.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerAuthRoutes } from './routes/auth.ts';
import { registerVideoRoutes } from './routes/videos.ts';
import { createUploadSlots } from './upload-slots.ts';
import { registerWebUi } from './web-ui.ts';

/** CORS for `origins` (`['*']`: any): the headers the API reads and the ones a script needs to see. */
function crossOrigin(origins: readonly string[]) {
  return cors({
    origin: origins[0] === '*' ? '*' : [...origins],
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['X-API-Key', 'Authorization', 'Content-Type', 'Range', 'If-None-Match', 'Last-Event-ID'],
    exposeHeaders: ['Location', 'ETag', 'Content-Range', 'Content-Length', 'Retry-After'],
    maxAge: 600,
  });
}

/** True when a request carries no body bytes (no length, or a zero length, and no chunked encoding). */
function hasNoBody(request: Request): boolean {
  const length = request.headers.get('content-length');
  if (length !== null) return Number(length) === 0;
  return !request.headers.has('transfer-encoding') && request.body === null;
}

/** One sentence for the first problem zod found: "name is required", not "expected string, received undefined". */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    // Queries say so in their own message (schemas.ts queryObject); a JSON body names its unknown fields.
    if (issue.message.startsWith('unknown query parameter')) return issue.message;
    const names = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${names}${where ? ` in ${where}` : ''}`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
    return where ? `${where} is required` : 'a JSON body is required';
  if (issue.code === 'invalid_type' && !where) return `the body must be a JSON object (${issue.message})`;
  return where ? `${where}: ${issue.message}` : issue.message;
}

/** Builds the app; every dependency comes in through `deps`. */
export function createApp(deps: AppDeps, logger: Logger) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success)
        throw new ValidationError(describeIssue(result.error.issues[0]!), result.error.issues);
    },
  });
  const metrics = createHttpMetrics();
  app.onError(createErrorHandler(logger));
  app.notFound((c) =>
    c.json({ code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404),
  );
  app.use('*', traceRequests());
  app.use('*', metrics.middleware);
  // Before authentication: a preflight carries no key. Keys travel in a header, never in cookies, so a
  // permitted origin gains nothing its user did not type in.
  if (deps.corsOrigins?.length) app.use('*', crossOrigin(deps.corsOrigins));
  app.use(
    '/v1/*',
    apiKeyAuth({
      keys: deps.apiKeys,
      publicReads: deps.publicReads ?? false,
      ...(deps.accounts
        ? {
            tokens: deps.accounts.tokens,
            userKey: deps.accounts.keys.authenticate,
            sessionEnded: deps.accounts.service.sessionEnded,
          }
        : {}),
    }),
  );
  app.use('/v1/*', readYourWrites({ progress: deps.progress, waitMs: deps.readWaitMs }));
  // Uploads stream with their own limits; every other body is small JSON.
  app.use('/v1/*', async function limitJsonBodies(c, next) {
    if ((c.req.path === '/v1/images' || c.req.path === '/v1/videos') && c.req.method === 'POST')
      return next();
    if (!['POST', 'PUT', 'PATCH'].includes(c.req.method)) return next();
    return bodyLimit({ maxSize: 64 * 1024 })(c, async () => {
      // An absent or blank body reads as `{}`, so that validation names the fields that are missing.
      const text = hasNoBody(c.req.raw) ? '' : await c.req.text();
      if (text.trim() === '') {
        const headers = new Headers(c.req.raw.headers);
        headers.set('content-type', 'application/json');
        headers.delete('content-length');
        c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers, body: '{}' });
        c.req.bodyCache = {};
      }
      await next();
    });
  });
  // One bound for every upload route: each upload in flight holds a few MB of buffers in this process.
  const uploadSlots = createUploadSlots({ limit: deps.maxConcurrentUploads });
  registerImageRoutes(app, deps, uploadSlots);
  if (deps.videos) registerVideoRoutes(app, deps.videos, deps.blobs, uploadSlots);
  registerGroupRoutes(app, deps);
  if (deps.enhancements) registerEnhancementRoutes(app, deps.enhancements);
  if (deps.imports) registerImportRoutes(app, deps.imports);
  if (deps.accounts) {
    registerAuthRoutes(app, deps.accounts.service, deps.accounts.throttle);
    registerApiKeyRoutes(app, deps.accounts.keys);
    registerBrowserSessionRoutes(app, {
      accounts: deps.accounts.service,
      throttle: deps.accounts.throttle,
      apiKeys: deps.apiKeys,
    });
  }
  registerSystemRoutes(app, deps, metrics.registry);
  registerWebUi(app);
  return app;
}

export type IngressApp = ReturnType<typeof createApp>;
