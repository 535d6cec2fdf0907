// `pixelforge up` (what `npm start` runs): the whole stack on one machine — a nats-server and a Mongo-wire
// server with their data under the data directory, then the projector and the ingress in this process.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from '../../../internal/config/config.ts';
import { parseCommandArgs, type Command } from '../../../internal/cli/command.ts';
import { generateApiKey, hashApiKey } from '../../../internal/http/auth.ts';
import { createLogger, type Logger } from '../../../internal/telemetry/logger.ts';
import { startTracing } from '../../../internal/telemetry/tracing.ts';
import { openConnections } from '../../../internal/wiring/connections.ts';
import { buildIngressApp, createFirstAdmin, listen } from '../../../internal/wiring/ingress.ts';
import { startImporter } from '../../../internal/wiring/importer.ts';
import { startProjector } from '../../../internal/wiring/projector.ts';
import { startDerivatives } from '../../../internal/wiring/derivatives.ts';
import { startController } from '../../../internal/wiring/controller.ts';
import { onShutdown } from '../../../internal/wiring/shutdown.ts';
// The local servers are the same launchers the tests use (the embedded default of DESIGN.md).
import { startNatsServer } from '../../../internal/adapters/local-servers/nats-server.ts';
import { startMongoWire } from '../../../internal/adapters/local-servers/mongo-wire.ts';
import { freePort } from '../../../internal/adapters/local-servers/free-port.ts';
import { lockDataDir } from './up-lock.ts';
import {
  createGridFsBlobStore,
  deleteOrphanChunks,
} from '../../../internal/adapters/mongo/gridfs-blob-store.ts';
import { moveAllBlobs } from '../../../internal/wiring/move-blobs.ts';
import { generateSigningKey } from '../../../internal/auth/access-tokens.ts';

export const command: Command = {
  name: 'up',
  summary: 'run the whole stack locally',
  help: `Usage: pixelforge up [--data-dir DIR] [--port N] [--host H]

Starts nats-server (JetStream store in DIR/nats) and the local Mongo-wire server (DIR/mongo, with the
image bytes as files in DIR/blobs), unless NATS_URL / MONGO_URL name servers to use instead; then the
projector, the WebP derivatives, the EnhancementJob controller (jobs run as local worker processes) and
the ingress. Prints the URL and the local admin API key (kept in DIR/admin.key). Ctrl-C stops
everything; the data stays in DIR.

Options:
  --data-dir DIR   data directory (default: PIXELFORGE_DATA_DIR or .data)
  --port N         HTTP port (default: PORT or 8080)
  --host H         interface to listen on (default: HOST or 127.0.0.1)

Environment: PIXELFORGE_NATS_PORT and PIXELFORGE_MONGO_PORT (default 4222 and 27017) are the ports its
servers try first; when another program holds one, a free port is used and the start lines say so.`,
  async run(argv) {
    const args = parseCommandArgs(this, argv, {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
    });
    if (!args) return 0;
    const env = { ...process.env };
    if (args.values['data-dir']) env.PIXELFORGE_DATA_DIR = args.values['data-dir'];
    if (args.values.port) env.PORT = args.values.port;
    // Loopback unless asked: the admin key is printed, and a laptop is on networks one does not own.
    const host = args.values.host ?? process.env.HOST ?? '127.0.0.1';
    const base = loadConfig(env);
    const logger = createLogger({ level: base.LOG_LEVEL, fields: { process: 'up' } });
    await mkdir(base.dataDir, { recursive: true });

    const lock = await lockDataDir(base.dataDir);
    // Everything started so far, stopped in reverse order on Ctrl-C or when start-up fails half-way.
    const stops: (() => Promise<unknown>)[] = [lock.release];
    const stopAll = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    };
    try {
      // Each server binds its preferred port or, when another program (another stack started at the same
      // moment, say) holds it, a free one: no check-then-bind race, and never someone else's server.
      const nats = process.env.NATS_URL
        ? undefined
        : await onPreferredPort('NATS', base.PIXELFORGE_NATS_PORT, logger, async (port) =>
            startNatsServer({ storeDir: join(base.dataDir, 'nats'), port, ownProcessGroup: true }),
          );
      if (nats) stops.push(nats.stop);
      await mkdir(join(base.dataDir, 'mongo'), { recursive: true });
      const mongo = process.env.MONGO_URL
        ? undefined
        : await onPreferredPort('MongoDB', base.PIXELFORGE_MONGO_PORT, logger, (port) =>
            startMongoWire({
              dataFile: join(base.dataDir, 'mongo', 'pixelforge'),
              durability: base.PIXELFORGE_LOCAL_DURABILITY,
              port,
              ownProcessGroup: true,
            }),
          );
      if (mongo) stops.push(mongo.stop);
      await lock.recordChildren([nats?.pid, mongo?.pid].filter((pid): pid is number => !!pid));

      const adminKey = await loadOrCreateAdminKey(join(base.dataDir, 'admin.key'));
      const jwtKeys =
        env.PIXELFORGE_JWT_KEYS || (await loadOrCreateJwtKeys(join(base.dataDir, 'jwt-keys.json')));
      const config = loadConfig({
        ...env,
        ...(nats ? { NATS_URL: nats.url } : {}),
        ...(mongo ? { MONGO_URL: `${mongo.url}/pixelforge` } : {}),
        // With its own Mongo-wire server, image bytes go to files beside it (the server keeps documents in
        // its heap's reach, which gigabytes of photos are not).
        ...(mongo && !env.PIXELFORGE_BLOB_STORE ? { PIXELFORGE_BLOB_STORE: 'files' } : {}),
        PIXELFORGE_JWT_KEYS: jwtKeys,
        // The first account of a fresh data directory: an administrator, its password printed below once.
        PIXELFORGE_ADMIN_EMAIL: env.PIXELFORGE_ADMIN_EMAIL ?? 'admin@pixelforge.local',
        // A laptop imports from its own servers too (a local image server, a test fixture).
        PIXELFORGE_IMPORT_ALLOW_PRIVATE: env.PIXELFORGE_IMPORT_ALLOW_PRIVATE ?? 'true',
        PIXELFORGE_API_KEYS: [env.PIXELFORGE_API_KEYS, `admin:${hashApiKey(adminKey)}`]
          .filter(Boolean)
          .join(','),
      });
      stops.push(await startTracing('pixelforge', config.PIXELFORGE_TRACES));
      const conn = await openConnections(config, 'up');
      stops.push(conn.close);
      if (config.PIXELFORGE_BLOB_STORE === 'files') {
        const moved = await moveAllBlobs(createGridFsBlobStore(conn.mongo.db), conn.blobs);
        // Chunks of GridFS uploads an older run was killed in the middle of: no file owns them.
        const orphanChunks = await deleteOrphanChunks(conn.mongo.db);
        if (moved || orphanChunks)
          logger.info('moved blobs from GridFS to files', {
            blobs: moved,
            orphanChunksDeleted: orphanChunks,
            dir: config.PIXELFORGE_BLOB_DIR,
          });
      }
      const projector = await startProjector(config, conn, logger);
      stops.push(projector.stop);
      const derivatives = await startDerivatives(config, conn, logger);
      stops.push(derivatives.stop);
      const importer = await startImporter(config, conn, logger);
      stops.push(importer.stop);
      // EnhancementJobs run as local worker processes unless PIXELFORGE_RUNTIME=kubernetes.
      const controller = await startController(config, conn, logger);
      stops.push(controller.stop);
      const firstAdmin = await createFirstAdmin(config, conn, logger);
      const server = await listen(buildIngressApp(config, conn, logger), config.PORT, host);
      stops.push(server.close);
      process.stdout.write(banner(server.url, adminKey, base.dataDir, config, firstAdmin));
    } catch (err) {
      await stopAll();
      throw err;
    }
    onShutdown(logger, [stopAll]);
    return new Promise<number>(() => {});
  },
};

/**
 * What `up` prints once it is up. The CLI in another terminal finds the stack by PORT and the key in
 * .data/admin.key; when either is elsewhere, it says what that terminal must export.
 */
function banner(
  url: string,
  adminKey: string,
  dataDir: string,
  config: Config,
  firstAdmin: { email: string; password: string } | null,
): string {
  const keyFile = join(dataDir, 'admin.key');
  const exports = [
    ...(config.PORT === 8080 ? [] : [`export PIXELFORGE_URL=${url}`]),
    ...(dataDir === resolve('.data') ? [] : [`export PIXELFORGE_DATA_DIR=${dataDir}`]),
  ];
  return [
    '',
    `Pixelforge is up: ${url}  (API docs: ${url}/docs)`,
    `Admin API key:    ${adminKey}  (also in ${keyFile})`,
    ...(firstAdmin
      ? [
          `Admin account:    ${firstAdmin.email}, password ${firstAdmin.password}`,
          '                  (shown this once: log in with `npx pixelforge login` or at /ui, and keep it)',
        ]
      : []),
    `Data directory:   ${dataDir}`,
    `NATS:             ${config.NATS_URL}`,
    `MongoDB:          ${config.MONGO_URL}`,
    ...(exports.length
      ? ['In another terminal, before `npx pixelforge …`:', ...exports.map((e) => `  ${e}`)]
      : []),
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function loadOrCreateAdminKey(path: string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  const key = generateApiKey();
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return key;
}

/** The access-token signing keys of this data directory: made once, so that logins survive a restart. */
async function loadOrCreateJwtKeys(path: string): Promise<string> {
  const existing = await readFile(path, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  const keys = JSON.stringify([generateSigningKey()]);
  await writeFile(`${path}.partial`, `${keys}\n`, { mode: 0o600 });
  await rename(`${path}.partial`, path);
  return keys;
}

/** Starts a server on `preferred`, or on a free port when that one is taken (said in one line). */
async function onPreferredPort<T>(
  what: string,
  preferred: number,
  logger: Logger,
  start: (port: number) => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const port = attempt === 0 ? preferred : await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (!/address already in use|BindException|EADDRINUSE/i.test(String(err)) || attempt >= 3) throw err;
      if (attempt === 0) logger.warn(`port ${preferred} is taken; ${what} listens on another one`);
    }
  }
}
