// Connects to NATS and provisions the JetStream streams Pixelforge stores its events in.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { UnavailableError } from '../../errors/errors.ts';
import { ensureStreams } from './streams.ts';

export interface Bus extends AsyncDisposable {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Drains subscriptions and closes the connection. */
  close(): Promise<void>;
}

export interface ConnectBusOptions {
  /** Connection name shown by the server, e.g. `pixelforge-ingress`. */
  name: string;
  /** How long a publish waits for the stream's acknowledgement (default 5000 ms). */
  timeoutMs?: number;
  /** Create or update the streams (default true). */
  provision?: boolean;
}

/** Connects, then makes sure every stream exists with the expected configuration. */
export async function connectBus(
  servers: string,
  { name, timeoutMs = 5000, provision = true }: ConnectBusOptions,
): Promise<Bus> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: servers.split(',').map((s) => s.trim()),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: timeoutMs,
      // A request (every JetStream publish is one) would otherwise build an Error for its stack up front, in
      // case it times out: a tenth of the importer's CPU. Our errors say which subject timed out.
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new UnavailableError(`cannot reach NATS at ${servers}: ${(err as Error).message}`, { cause: err });
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: timeoutMs });
  } catch (err) {
    await nc.close();
    // A plain nats-server without `-js`, or an account without JetStream.
    throw new UnavailableError(`NATS at ${servers} has no JetStream: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (provision) await ensureStreams(jsm);
  const js = jetstream(nc, { timeout: timeoutMs });
  const close = async () => {
    if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
  };
  return { nc, js, jsm, close, [Symbol.asyncDispose]: close };
}
