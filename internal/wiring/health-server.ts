// A small HTTP server for Kubernetes probes: /healthz (the process is alive), /readyz (its checks pass), and
// /metrics for Prometheus when the process has a registry.
import { createServer } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthServer extends AsyncDisposable {
  port: number;
  close(): Promise<void>;
}

/** Serves the probes on `port` (0 picks one); each readiness check throws when not ready. */
export async function startHealthServer(
  port: number,
  checks: Record<string, () => Promise<void> | void>,
  metrics?: Registry,
): Promise<HealthServer> {
  const server = createServer(async function answerProbe(req, res) {
    if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (req.url === '/metrics' && metrics)
      return void res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.metrics());
    if (req.url !== '/readyz') return void res.writeHead(404).end();
    const failures: string[] = [];
    for (const [name, check] of Object.entries(checks)) {
      await Promise.resolve()
        .then(check)
        .catch((err: Error) => failures.push(`${name}: ${err.message}`));
    }
    res.writeHead(failures.length ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(failures.length ? `${failures.join('\n')}\n` : 'ok\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return { port: (server.address() as { port: number }).port, close, [Symbol.asyncDispose]: close };
}
