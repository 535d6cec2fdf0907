// `npm run bench -- import`: the importer bringing in 1 000 URLs of ≈200 kB images from 4 local hosts with
// 20 ms of latency per response, at 8 downloads per host: images/s against a plain fetch loop with the same
// caps into /dev/null, measured in the same run, and the importer process's peak RSS.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { startMongoWire } from '../../internal/adapters/local-servers/mongo-wire.ts';
import { startNatsServer } from '../../internal/adapters/local-servers/nats-server.ts';
import { loadConfig } from '../../internal/config/config.ts';
import { createNatsPublisher } from '../../internal/adapters/nats/publisher.ts';
import { createHostLimiter } from '../../internal/imports/host-limiter.ts';
import { openConnections } from '../../internal/wiring/connections.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';
import { newId } from '../../internal/ids/ids.ts';
import { chartImporterFlags } from '../support/helm.ts';

const URLS = 1000;
const HOSTS = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
const PER_HOST = 8;
const LATENCY_MS = 20;

/** A ≈200 kB JPEG: noise compresses badly, which is what photos do too. */
async function photo(): Promise<Buffer> {
  const side = 520;
  const noise = Buffer.alloc(side * side * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  return sharp(noise, { raw: { width: side, height: side, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

async function imageHosts(body: Buffer): Promise<{ urls: string[]; close(): Promise<void> }> {
  const servers: Server[] = [];
  const urls: string[] = [];
  for (const host of HOSTS) {
    const server = createServer((_req, res) =>
      setTimeout(() => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(body), LATENCY_MS),
    );
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    servers.push(server);
    const port = (server.address() as { port: number }).port;
    for (let i = 0; i < URLS / HOSTS.length; i++) urls.push(`http://${host}:${port}/p${i}.jpg`);
  }
  return {
    urls,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

/**
 * A plain fetch loop with the importer's caps: every body read whole and handed to `keep`, which drops it by
 * default (the target's baseline, into /dev/null).
 */
async function fetchLoop(
  urls: string[],
  keep: (bytes: Uint8Array, i: number) => Promise<void> = async () => {},
): Promise<number> {
  const limiter = createHostLimiter({ global: PER_HOST * HOSTS.length, perHost: PER_HOST });
  const started = performance.now();
  await Promise.all(
    urls.map((url, i) =>
      limiter.run(new URL(url).host, async () => {
        const res = await fetch(url);
        await keep(new Uint8Array(await res.arrayBuffer()), i);
      }),
    ),
  );
  return (performance.now() - started) / 1000;
}

/**
 * The file system's share: the same loop, each body written to a new file (temporary name, then renamed into one
 * of 256 directories), as a blob store on files does at least. Not the target's baseline; it shows what this
 * machine's file system costs by itself.
 */
async function fetchIntoFiles(urls: string[], dir: string): Promise<number> {
  const shards = Array.from({ length: 256 }, (_, i) => join(dir, i.toString(16).padStart(2, '0')));
  await Promise.all(shards.map((shard) => mkdir(shard, { recursive: true })));
  return fetchLoop(urls, async (bytes, i) => {
    const shard = shards[(i * 131) % 256]!;
    await writeFile(join(shard, `.${i}.tmp`), bytes, { flag: 'wx' });
    await rename(join(shard, `.${i}.tmp`), join(shard, String(i)));
  });
}

/** The resident set of `pid` now, or its peak (`VmHWM`), in bytes. */
async function rss(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(new RegExp(`^${which}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
}

export async function benchImport(): Promise<string> {
  const body = await photo();
  const hosts = await imageHosts(body);
  const blobDir = await mkdtemp(join(tmpdir(), 'pf-bench-import-'));
  await using nats = await startNatsServer();
  await using mongo = await startMongoWire();
  const env = {
    NATS_URL: nats.url,
    MONGO_URL: mongo.url,
    MONGO_DB: 'bench',
    PIXELFORGE_BLOB_STORE: 'files',
    PIXELFORGE_BLOB_DIR: blobDir,
    PIXELFORGE_IMPORT_ALLOW_PRIVATE: 'true',
    PIXELFORGE_IMPORT_PER_HOST: String(PER_HOST),
    PIXELFORGE_IMPORT_CONCURRENCY: String(PER_HOST * HOSTS.length),
    PIXELFORGE_READ_WAIT_MS: '0',
    PIXELFORGE_HEALTH_PORT: '0',
    LOG_LEVEL: 'error',
  };
  const config = loadConfig(env);
  await using conn = await openConnections(config, 'bench');
  try {
    const documents = Array.from({ length: URLS / 10 }, (_, d) => ({
      _id: `d${d}`,
      photos: hosts.urls.slice(d * 10, d * 10 + 10),
    }));
    await conn.mongo.client.db('catalog').collection<{ _id: string }>('products').insertMany(documents);
    // The baseline twice, the second one counted: the first warms the hosts' sockets and the JIT.
    await fetchLoop(hosts.urls.slice(0, 200));
    const baseline = await fetchLoop(hosts.urls);
    const intoFiles = await fetchIntoFiles(hosts.urls, join(blobDir, 'baseline'));

    // The importer runs with the chart's Node flags; BENCH_IMPORTER_NODE_OPTIONS adds more (--cpu-prof, say).
    const flags = await chartImporterFlags();
    const child = spawn(process.execPath, [...flags, ...TS_ENTRY_ARGS, 'cmd/importer/main.ts'], {
      env: { ...process.env, ...env, NODE_OPTIONS: process.env.BENCH_IMPORTER_NODE_OPTIONS ?? '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<never>((_resolve, reject) =>
      child.once('exit', (code, signal) =>
        reject(new Error(`the importer exited (${signal ?? `code ${code}`}) before the import completed`)),
      ),
    );
    exited.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = await rss(child.pid!);
    const importId = newId();
    const completed = new Promise<void>((resolve) => {
      const sub = conn.bus.nc.subscribe('pf.import.completed', {
        callback: () => {
          sub.unsubscribe();
          resolve();
        },
      });
    });
    const started = performance.now();
    await createNatsPublisher(conn.bus.js, { source: 'bench' }).publish(
      'pf.import.requested',
      importId,
      {
        importId,
        request: {
          source: 'default',
          database: 'catalog',
          collection: 'products',
          scope: { kind: 'collection' },
          fields: ['photos'],
          group: '{collection}/{_id}',
        },
      },
      { actor: 'key:bench' },
    );
    await Promise.race([completed, exited]);
    const importer = (performance.now() - started) / 1000;
    const peak = await rss(child.pid!, 'VmHWM');
    child.kill('SIGTERM');
    const rate = (s: number) => (URLS / s).toFixed(0);
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    return [
      `${URLS} URLs of ${(body.length / 1000).toFixed(0)} kB, ${HOSTS.length} hosts with ${LATENCY_MS} ms latency, ${PER_HOST} per host; importer flags: ${[...flags, process.env.BENCH_IMPORTER_NODE_OPTIONS ?? ''].join(' ').trim() || 'none'}`,
      '',
      '| | seconds | images/s |',
      '|---|---|---|',
      `| plain fetch loop, same caps, into /dev/null | ${baseline.toFixed(2)} | ${rate(baseline)} |`,
      `| the same loop, each body into a new file (${tmpdir()}) | ${intoFiles.toFixed(2)} | ${rate(intoFiles)} |`,
      `| the importer (checks, blob store, events) | ${importer.toFixed(2)} | ${rate(importer)} |`,
      '',
      `importer / fetch loop: ${(baseline / importer).toFixed(2)} (target ≥ 0.7); importer / loop into files: ${(intoFiles / importer).toFixed(2)}; loop into files / fetch loop: ${(baseline / intoFiles).toFixed(2)}`,
      `importer peak RSS ${mib(peak)} MiB (target < 200; ${mib(idle)} MiB idle before the import)`,
    ].join('\n');
  } finally {
    await hosts.close();
    await rm(blobDir, { recursive: true, force: true });
  }
}
