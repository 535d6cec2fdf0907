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

    const lock = await lockDataDir(base.dataDir);
    // Everything started so far, stopped in reverse order on Ctrl-C or when start-up fails half-way.
    const stops: (() => Promise<unknown>)[] = [lock.release];
    const stopAll = async () => {
      for (const stop of stops.reverse()) await stop().catch(() => {});
    };
    try {
      const preferred = async (port: number) => ((await isFree(port)) ? port : freePort());
      const nats = process.env.NATS_URL
        ? undefined
        : await startNatsServer({ storeDir: join(base.dataDir, 'nats'), port: await preferred(4222) });
      if (nats) stops.push(nats.stop);
      await mkdir(join(base.dataDir, 'mongo'), { recursive: true });
      const mongo = process.env.MONGO_URL
        ? undefined
        : await startMongoWire({
            dataFile: join(base.dataDir, 'mongo', 'pixelforge'),
            durability: base.PIXELFORGE_LOCAL_DURABILITY,
            port: await preferred(27017),
          });
      if (mongo) stops.push(mongo.stop);
      await lock.recordChildren([nats?.pid, mongo?.pid].filter((pid): pid is number => !!pid));

      const adminKey = await loadOrCreateAdminKey(join(base.dataDir, 'admin.key'));
      const config = loadConfig({
        ...env,
        ...(nats ? { NATS_URL: nats.url } : {}),
        ...(mongo ? { MONGO_URL: `${mongo.url}/pixelforge` } : {}),
        // With its own Mongo-wire server, image bytes go to files beside it (the server keeps documents in
        // its heap's reach, which gigabytes of photos are not).
        ...(mongo && !env.PIXELFORGE_BLOB_STORE ? { PIXELFORGE_BLOB_STORE: 'files' } : {}),
        PIXELFORGE_API_KEYS: [env.PIXELFORGE_API_KEYS, `admin:${hashApiKey(adminKey)}`]
          .filter(Boolean)
          .join(','),
      });
      stops.push(startTracing('pixelforge', config.PIXELFORGE_TRACES));
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
      // EnhancementJobs run as local worker processes unless PIXELFORGE_RUNTIME=kubernetes.
      const controller = await startController(config, conn, logger);
      stops.push(controller.stop);
      const server = await listen(buildIngressApp(config, conn, logger), config.PORT, args.values.host!);
      stops.push(server.close);
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
    } catch (err) {
      await stopAll();
      throw err;
    }
    onShutdown(logger, [stopAll]);
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
