// The production shape of the image path for the ingress benchmarks: nats-server and the Mongo-wire server
// from test/support, with `cmd/projector` and `cmd/ingress` as their own processes (as deployed).
// PIXELFORGE_BENCH_LOGS=<dir> keeps the two processes' logs there.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectBus, type Bus } from '../../internal/adapters/nats/connect.ts';
import { connectMongo, type Mongo } from '../../internal/adapters/mongo/connect.ts';
import { STREAMS } from '../../internal/events/catalog.ts';
import { hashApiKey } from '../../internal/http/auth.ts';
import { READ_MODEL_CONSUMER } from '../../internal/projector/read-model-consumer.ts';
import {
  startMongoWire,
  type MongoWireDurability,
  type MongoWireServer,
} from '../../internal/adapters/local-servers/mongo-wire.ts';
import { startNatsServer, type NatsServer } from '../../internal/adapters/local-servers/nats-server.ts';
import { stopProcess, waitForLine } from '../../internal/adapters/local-servers/process.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const API_KEY = 'pf_bench_key_0123456789';

/** Where the projector is, in stream sequences. */
export interface ProjectorPosition {
  /** Last sequence in the images stream. */
  published: number;
  /** Highest sequence the read-model consumer has acknowledged with nothing before it outstanding. */
  applied: number;
  /** Messages not yet acknowledged by the read-model consumer. */
  backlog: number;
}

export interface IngressStack extends AsyncDisposable {
  /** The ingress, `http://127.0.0.1:<port>`. */
  url: string;
  apiKey: string;
  ingressPid: number;
  /** Which Mongo-wire backend holds the data. */
  backend: 'memory' | 'H2 file';
  /** The bench's own connections, for measuring and cleaning up (the processes have theirs). */
  bus: Bus;
  mongo: Mongo;
  projector(): Promise<ProjectorPosition>;
  /** Resolves once the projector has applied everything published (or rejects after `timeoutMs`). */
  projectorIdle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface IngressStackOptions {
  /** Keep the Mongo-wire data in an H2 file (in a temporary directory) instead of the JVM heap. */
  h2File?: boolean;
  /** Durability of that H2 file (default `write`, as `pixelforge up`). */
  durability?: MongoWireDurability;
  /** Where the bytes go (default GridFS); `files` is what `pixelforge up` uses with its own server. */
  blobStore?: 'gridfs' | 'files';
  /** The files store syncs every blob (PIXELFORGE_LOCAL_DURABILITY=fsync). */
  fsyncFiles?: boolean;
}

/** Starts the servers and both processes; `await using` stops everything and removes temporary data. */
export async function startIngressStack(options: IngressStackOptions = {}): Promise<IngressStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-ingress-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    const nats: NatsServer = await startNatsServer();
    cleanups.push(() => nats.stop());
    const mongoServer: MongoWireServer = await startMongoWire(
      options.h2File
        ? {
            dataFile: path.join(dir, 'mongo'),
            ...(options.durability ? { durability: options.durability } : {}),
          }
        : {},
    );
    cleanups.push(() => mongoServer.stop());
    const env = {
      ...process.env,
      NATS_URL: nats.url,
      MONGO_URL: mongoServer.url,
      MONGO_DB: 'pixelforge_bench',
      PIXELFORGE_API_KEYS: `bench:${hashApiKey(API_KEY)}`,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      PIXELFORGE_TRACES: 'none',
      PIXELFORGE_BLOB_STORE: options.blobStore ?? 'gridfs',
      PIXELFORGE_BLOB_DIR: path.join(dir, 'blobs'),
      PIXELFORGE_LOCAL_DURABILITY: options.fsyncFiles ? 'fsync' : 'write',
    };
    // The projector first: it provisions its consumer, which the ingress' read-your-writes watches.
    const projector = await startProcess('cmd/projector/main.ts', env, /projector running/);
    cleanups.push(() => stopProcess(projector.child));
    const ingress = await startProcess('cmd/ingress/main.ts', env, /ingress listening.*"url":"([^"]+)"/);
    cleanups.push(() => stopProcess(ingress.child));
    const bus = await connectBus(nats.url, { name: 'pixelforge-bench', provision: false });
    cleanups.push(() => bus.close());
    const mongo = await connectMongo(mongoServer.url, 'pixelforge_bench');
    cleanups.push(() => mongo.close());

    const position = async (): Promise<ProjectorPosition> => {
      const [stream, consumer] = await Promise.all([
        bus.jsm.streams.info(STREAMS.images.name),
        bus.jsm.consumers.info(STREAMS.images.name, READ_MODEL_CONSUMER),
      ]);
      return {
        published: stream.state.last_seq,
        applied: consumer.ack_floor.stream_seq,
        backlog: consumer.num_pending + consumer.num_ack_pending,
      };
    };
    return {
      url: ingress.match[1]!,
      apiKey: API_KEY,
      ingressPid: ingress.child.pid!,
      backend: options.h2File ? 'H2 file' : 'memory',
      bus,
      mongo,
      projector: position,
      async projectorIdle(timeoutMs = 120_000) {
        const deadline = Date.now() + timeoutMs;
        while ((await position()).backlog > 0) {
          if (Date.now() > deadline)
            throw new Error(`the projector still had a backlog after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function startProcess(
  main: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [...TS_ENTRY_ARGS, path.join(ROOT, main)], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const match = await waitForLine(child, ready, 60_000, main).catch(async (err: unknown) => {
    await stopProcess(child);
    throw err;
  });
  // The pipes must keep flowing or a chatty process would block on a full pipe; logs are kept only on request.
  const logDir = process.env.PIXELFORGE_BENCH_LOGS;
  if (logDir) {
    const log = createWriteStream(path.join(logDir, `${path.basename(path.dirname(main))}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  } else {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  return { child, match };
}
