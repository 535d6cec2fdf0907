// One server span per request, continuing the caller's `traceparent`: the root of an upload's trace,
// which publishing then carries into every event and consumer.
import type { MiddlewareHandler } from 'hono';
import { contextFromTraceparent, inSpan } from '../telemetry/propagation.ts';

export function traceRequests(): MiddlewareHandler {
  return async function traceRequest(c, next) {
    await inSpan(
      `${c.req.method} ${c.req.path}`,
      { kind: 'server', parent: contextFromTraceparent(c.req.header('traceparent')) },
      async () => {
        await next();
      },
    );
  };
}
