// `pixelforge up` (what `npm start` runs): the whole stack on one machine — a nats-server and a Mongo-wire
// server with their data under the data directory, then the projector and the ingress in this process.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../../internal/config/config.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { generateApiKey, hashApiKey } from '../../../internal/http/auth.ts';
import { createLogger } from '../../../internal/telemetry/logger.ts';
import { startTracing } from '../../../internal/telemetry/tracing.ts';
import { openConnections } from '../../../internal/wiring/connections.ts';
import { buildIngressApp, listen } from '../../../internal/wiring/ingress.ts';
import { startProjector } from '../../../internal/wiring/projector.ts';
import { startDerivatives } from '../../../internal/wiring/derivatives.ts';
import { onShutdown } from '../../../internal/wiring/shutdown.ts';
// The local servers are the same launchers the tests use (the embedded default of DESIGN.md).
import { startNatsServer } from '../../../test/support/nats-server.ts';
import { startMongoWire } from '../../../test/support/mongo-wire.ts';
import { freePort } from '../../../test/support/free-port.ts';

export const command: Command = {
  name: 'up',
  summary: 'run the whole stack locally',
  help: `Usage: pixelforge up [--data-dir DIR] [--port N] [--host H]

Starts nats-server (JetStream store in DIR/nats) and the local Mongo-wire server (DIR/mongo), unless
NATS_URL / MONGO_URL name servers to use instead; then the projector, the WebP derivatives and the ingress. Prints the URL
and the local admin API key (kept in DIR/admin.key). Ctrl-C stops everything; the data stays in DIR.

Options:
  --data-dir DIR   data directory (default: PIXELFORGE_DATA_DIR or .data)
  --port N         HTTP port (default: PORT or 8080)
  --host H         interface to listen on (default 127.0.0.1)`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
    });
    if (!args) return 0;
    const env = { ...process.env };
    if (args.values['data-dir']) env.PIXELFORGE_DATA_DIR = args.values['data-dir'];
    if (args.values.port) env.PORT = args.values.port;
    const base = loadConfig(env);
    const logger = createLogger({ level: base.LOG_LEVEL, fields: { process: 'up' } });
    await mkdir(base.dataDir, { recursive: true });

    const preferred = async (port: number) => ((await isFree(port)) ? port : freePort());
    const nats = process.env.NATS_URL
      ? undefined
      : await startNatsServer({ storeDir: join(base.dataDir, 'nats'), port: await preferred(4222) });
    const mongo = process.env.MONGO_URL
      ? undefined
      : await (async () => {
          await mkdir(join(base.dataDir, 'mongo'), { recursive: true });
          return startMongoWire({
            dataFile: join(base.dataDir, 'mongo', 'pixelforge'),
            port: await preferred(27017),
          });
        })();

    const adminKey = await loadOrCreateAdminKey(join(base.dataDir, 'admin.key'));
    const config = loadConfig({
      ...env,
      ...(nats ? { NATS_URL: nats.url } : {}),
      ...(mongo ? { MONGO_URL: `${mongo.url}/pixelforge` } : {}),
      PIXELFORGE_API_KEYS: [env.PIXELFORGE_API_KEYS, `admin:${hashApiKey(adminKey)}`]
        .filter(Boolean)
        .join(','),
    });
    const stopTracing = startTracing('pixelforge', config.PIXELFORGE_TRACES);
    const conn = await openConnections(config, 'up');
    const projector = await startProjector(config, conn, logger);
    const derivatives = await startDerivatives(config, conn, logger);
    const server = await listen(buildIngressApp(config, conn, logger), config.PORT, args.values.host!);
    process.stdout.write(
      [
        '',
        `Pixelforge is up: ${server.url}  (API docs: ${server.url}/docs)`,
        `Admin API key:    ${adminKey}  (also in ${join(base.dataDir, 'admin.key')})`,
        `Data directory:   ${base.dataDir}`,
        `NATS:             ${config.NATS_URL}`,
        `MongoDB:          ${config.MONGO_URL}`,
        'Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    onShutdown(logger, [
      server.close,
      projector.stop,
      derivatives.stop,
      conn.close,
      async () => nats?.stop(),
      async () => mongo?.stop(),
      stopTracing,
    ]);
    return new Promise<number>(() => {});
  },
};

async function loadOrCreateAdminKey(path: string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  const key = generateApiKey();
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return key;
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
