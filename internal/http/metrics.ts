// Prometheus metrics of the HTTP API: request counts and latencies by route and status.
import type { MiddlewareHandler } from 'hono';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** A registry with process metrics and the HTTP histogram, plus the middleware that feeds it. */
export function createHttpMetrics(): { registry: Registry; middleware: MiddlewareHandler } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pixelforge_' });
  const duration = new Histogram({
    name: 'pixelforge_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const middleware: MiddlewareHandler = async function recordRequestMetrics(c, next) {
    const start = performance.now();
    await next();
    duration.observe(
      { method: c.req.method, route: c.req.routePath || 'unmatched', status: String(c.res.status) },
      (performance.now() - start) / 1000,
    );
  };
  return { registry, middleware };
}
