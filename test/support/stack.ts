// The whole Pixelforge image path for integration tests: real nats-server and Mongo-wire server (or the
// servers in NATS_URL / MONGO_URL), the projector, and the ingress app called without a port.
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../internal/config/config.ts';
import { STREAMS } from '../../internal/events/catalog.ts';
import { hashApiKey } from '../../internal/http/auth.ts';
import { openConnections, type Connections } from '../../internal/wiring/connections.ts';
import { buildIngressApp } from '../../internal/wiring/ingress.ts';
import { startProjector, type RunningProjector } from '../../internal/wiring/projector.ts';
import type { IngressApp } from '../../internal/http/app.ts';
import { silentLogger } from '../../internal/telemetry/logger.ts';
import { startNatsServer, type NatsServer } from '../../internal/adapters/local-servers/nats-server.ts';
import { startMongoWire, type MongoWireServer } from '../../internal/adapters/local-servers/mongo-wire.ts';

export const TEST_API_KEY = 'pf_test_key_0123456789';

export interface TestStack extends AsyncDisposable {
  config: Config;
  conn: Connections;
  app: IngressApp;
  /** The nats-server this stack started (absent with NATS_URL). */
  nats?: NatsServer;
  projector: RunningProjector | undefined;
  /** `app.request` with the test API key. */
  request(path: string, init?: RequestInit): Promise<Response>;
  startProjector(): Promise<RunningProjector>;
  stopProjector(): Promise<void>;
}

export interface TestStackOptions {
  /** Extra environment for loadConfig. */
  env?: Record<string, string>;
  /** Start the projector (default true). */
  projector?: boolean;
  /** Always start a private nats-server, even when NATS_URL is set (tests that stop it). */
  privateNats?: boolean;
}

/** Starts what is not given by the environment; `await using` tears everything down. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const externalNats = options.privateNats ? undefined : process.env.NATS_URL;
  const nats = externalNats ? undefined : await startNatsServer();
  let mongoServer: MongoWireServer | undefined;
  if (!process.env.MONGO_URL) mongoServer = await startMongoWire();
  const db = `pf_test_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    NATS_URL: externalNats ?? nats!.url,
    MONGO_URL: process.env.MONGO_URL ?? mongoServer!.url,
    MONGO_DB: db,
    PIXELFORGE_API_KEYS: `test:${hashApiKey(TEST_API_KEY)}`,
    PIXELFORGE_READ_WAIT_MS: '5000',
    ...options.env,
  });
  if (externalNats) await resetStreams(config);
  const conn = await openConnections(config, 'test');
  let projector: RunningProjector | undefined;
  const stack: TestStack = {
    config,
    conn,
    ...(nats ? { nats } : {}),
    app: buildIngressApp(config, conn, silentLogger),
    get projector() {
      return projector;
    },
    request: (path, init = {}) =>
      Promise.resolve(
        stack.app.request(path, {
          ...init,
          headers: { 'x-api-key': TEST_API_KEY, ...(init.headers as object) },
        }),
      ),
    startProjector: async () => (projector = await startProjector(config, conn, silentLogger)),
    stopProjector: async () => {
      await projector?.stop();
      projector = undefined;
    },
    async [Symbol.asyncDispose]() {
      await projector?.stop();
      if (process.env.MONGO_URL) await conn.mongo.db.dropDatabase().catch(() => {});
      await conn.close();
      await nats?.stop();
      await mongoServer?.stop();
    },
  };
  if (options.projector !== false) await stack.startProjector();
  return stack;
}

/** With a shared NATS_URL, each stack starts from empty streams (point tests at a throwaway server). */
async function resetStreams(config: Config): Promise<void> {
  const { connectBus } = await import('../../internal/adapters/nats/connect.ts');
  await using bus = await connectBus(config.NATS_URL, { name: 'test-reset', provision: false });
  for (const { name } of Object.values(STREAMS)) await bus.jsm.streams.delete(name).catch(() => false);
}
