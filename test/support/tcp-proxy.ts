// A TCP proxy between a client and a server that can cut every connection (like a restarted load balancer)
// or freeze them (a half-open connection: nothing arrives, nothing fails), for watch-recovery tests.
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy extends AsyncDisposable {
  port: number;
  /** Destroys every open connection; new ones work. */
  cut(): void;
  /** Silently stops forwarding on every open connection (both ways); new ones work. */
  freeze(): void;
  /** Connections opened so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<port> to `target` (host:port). */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<{ client: Socket; upstream: Socket; frozen: boolean }>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream, frozen: false };
    open.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (!pair.frozen) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const close = async () => {
    for (const pair of open) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    cut() {
      for (const pair of open) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    freeze() {
      for (const pair of open) pair.frozen = true;
    },
    get connections() {
      return connections;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
