// Assembles the importer over open connections: the consumer of `pf.import.requested` that runs each import
// (documents from the named MongoDB source, downloads under the host caps, images stored like uploads), and
// the subscription that cancels a running import at once.
import { MongoClient, ObjectId, type Filter } from 'mongodb';
import { basename } from 'node:path';
import type { Config } from '../config/config.ts';
import { createDownloadAgents, openDownload, DownloadError } from '../adapters/http-download/download.ts';
import { createImportProjection } from '../adapters/mongo/import-projection.ts';
import { createQueries } from '../adapters/mongo/queries.ts';
import { startConsumer } from '../adapters/nats/consumer.ts';
import { createNatsPublisher } from '../adapters/nats/publisher.ts';
import { PixelforgeError } from '../errors/errors.ts';
import { PixelforgeEvent, STREAMS } from '../events/catalog.ts';
import { derivedId } from '../ids/ids.ts';
import { createImageService } from '../images/image-service.ts';
import { checkImportFilter } from '../imports/filter.ts';
import { Counter, Gauge, Registry } from 'prom-client';
import { createHostLimiter, type HostLimiter } from '../imports/host-limiter.ts';
import { importEnded, type ImportRequest } from '../imports/import.ts';
import { runImport, type ImportItem, type ItemFailure } from '../imports/run-import.ts';
import { ack, type RunningConsumer } from '../ports/event-bus.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';

export const IMPORTER_CONSUMER = 'importer';
/** Imports one importer runs at once (their downloads share its caps). */
const IMPORTS_AT_ONCE = 4;
// Items looked up in one query when an import starts (their `$in` lists stay far below a BSON document's 16 MiB).
const LOOKUP_BATCH = 1000;

export interface RunningImporter {
  /** Downloads by outcome, bytes, retries, in flight per host, queue depth: for /metrics. */
  metrics: Registry;
  stop(): Promise<void>;
}

function importerMetrics(limiter: HostLimiter) {
  const registry = new Registry();
  return {
    registry,
    downloads: new Counter({
      name: 'pixelforge_import_downloads_total',
      help: 'URLs of imports finished, by outcome (downloaded, skipped, failed)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'pixelforge_import_bytes_total',
      help: 'Bytes of images imports downloaded',
      registers: [registry],
    }),
    retries: new Counter({
      name: 'pixelforge_import_retries_total',
      help: 'Downloads tried again after a retryable failure',
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'pixelforge_import_in_flight',
      help: 'Downloads running now, per host',
      labelNames: ['host'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [host, n] of limiter.inFlight()) this.set({ host }, n);
      },
    }),
    queued: new Gauge({
      name: 'pixelforge_import_queue_depth',
      help: 'Downloads waiting for a free slot (global or per host)',
      registers: [registry],
      collect() {
        this.set(limiter.queued());
      },
    }),
    storing: new Gauge({
      name: 'pixelforge_import_storing',
      help: 'Downloaded bodies still being stored (their host slot already given back)',
      registers: [registry],
      collect() {
        this.set(limiter.finishing());
      },
    }),
  };
}

export async function startImporter(
  config: Config,
  conn: Connections,
  logger: Logger,
): Promise<RunningImporter> {
  const log = logger.child({ component: 'importer' });
  const events = createNatsPublisher(conn.bus.js, { source: 'pixelforge/importer' });
  const projection = createImportProjection(conn.mongo.db);
  const images = createImageService({
    events,
    blobs: conn.blobs,
    read: createQueries(conn.models),
    progress: conn.progress,
    limits: { maxBytes: config.PIXELFORGE_MAX_UPLOAD_BYTES, maxPixels: config.PIXELFORGE_MAX_PIXELS },
  });
  const limiter = createHostLimiter({
    global: config.PIXELFORGE_IMPORT_CONCURRENCY,
    perHost: config.PIXELFORGE_IMPORT_PER_HOST,
  });
  const metrics = importerMetrics(limiter);
  const clients = new Map<string, MongoClient>();
  const sourceDb = (request: ImportRequest) => {
    if (request.source === 'default') return conn.mongo.client.db(request.database ?? config.MONGO_DB);
    const url = config.PIXELFORGE_IMPORT_SOURCES.get(request.source);
    if (!url) throw new Error(`there is no import source ${JSON.stringify(request.source)}`);
    let client = clients.get(request.source);
    if (!client)
      clients.set(request.source, (client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 })));
    return client.db(request.database);
  };
  const running = new Map<string, AbortController>();
  // One address policy per process, so one pool of kept connections: a host's images come over a few sockets.
  const agents = createDownloadAgents({
    perHost: config.PIXELFORGE_IMPORT_PER_HOST,
    total: config.PIXELFORGE_IMPORT_CONCURRENCY,
  });

  async function* documents(request: ImportRequest, signal: AbortSignal) {
    const collection = sourceDb(request).collection<{ _id: string | ObjectId }>(request.collection);
    let filter: Filter<{ _id: string | ObjectId }> = {};
    let limit: number | undefined;
    const { scope } = request;
    if (scope.kind === 'collection') limit = scope.limit;
    else if (scope.kind === 'filter') {
      filter = checkImportFilter(scope.filter);
      limit = scope.limit;
    } else {
      const id = typeof scope.id === 'string' ? scope.id : scope.id.$oid;
      // A 24-hex string may be an ObjectId or a string _id: both are tried.
      filter = /^[0-9a-f]{24}$/i.test(id) ? { _id: { $in: [new ObjectId(id), id] } } : { _id: id };
      limit = 1;
    }
    const cursor = collection.find(filter, { ...(limit ? { limit } : {}), maxTimeMS: 60_000 });
    try {
      for await (const doc of cursor) {
        if (signal.aborted) return;
        yield { id: String(doc._id), doc: doc as Record<string, unknown> };
      }
    } finally {
      await cursor.close();
    }
  }

  async function run(importId: string, request: ImportRequest, actor: string) {
    const controller = new AbortController();
    running.set(importId, controller);
    const source = {
      source: request.source,
      database: request.database ?? (request.source === 'default' ? config.MONGO_DB : ''),
      collection: request.collection,
    };
    const imageIdOf = (item: ImportItem) => derivedId(importId, item.itemId);
    // URL → sha256 → image: what other imports brought in from the URLs this one will download.
    const fromUrls = new Map<string, Map<string, string>>();
    try {
      // A resumed import decides what is done from the read models: let them catch up with the streams first.
      await conn.progress.waitFor(await conn.progress.latestPublished(), config.PIXELFORGE_READ_WAIT_MS);
      return await runImport(
        importId,
        request,
        actor,
        {
          documents,
          download: (url, signal) =>
            openDownload(url, {
              allowPrivate: config.PIXELFORGE_IMPORT_ALLOW_PRIVATE,
              maxBytes: config.PIXELFORGE_MAX_UPLOAD_BYTES,
              totalTimeoutMs: config.PIXELFORGE_IMPORT_TIMEOUT_MS,
              signal,
              agents,
            }),
          async store(item, fetched, by) {
            const imageId = imageIdOf(item);
            const filename = basename(new URL(fetched.finalUrl).pathname) || 'image';
            try {
              const stored = await images.importImage(
                fetched.body,
                filename,
                Promise.resolve({ group: item.group }),
                { actor: by, role: 'user' },
                {
                  imageId,
                  origin: {
                    kind: 'import',
                    importId,
                    ...source,
                    documentId: item.documentId,
                    path: item.path,
                    url: item.url,
                    finalUrl: fetched.finalUrl,
                    contentType: fetched.contentType,
                    etag: fetched.etag,
                    lastModified: fetched.lastModified,
                  },
                  existing: async (sha256) => fromUrls.get(item.url)?.get(sha256),
                },
              );
              if (stored.skipped !== undefined)
                return {
                  outcome: 'skipped' as const,
                  imageId: stored.skipped,
                  reason: 'already imported from this URL with the same bytes',
                };
              return { outcome: 'downloaded' as const, imageId, bytes: stored.size };
            } catch (err) {
              throw itemFailure(err);
            }
          },
          async storedBefore(items) {
            const stored = new Map<string, string>();
            for (let i = 0; i < items.length; i += LOOKUP_BATCH) {
              const batch = items.slice(i, i + LOOKUP_BATCH);
              const byImage = new Map(batch.map((item) => [imageIdOf(item), item.itemId]));
              const [mine, sameUrl] = await Promise.all([
                conn.models.images
                  .find({ _id: { $in: [...byImage.keys()] } }, { projection: { _id: 1 } })
                  .toArray(),
                conn.models.images
                  .find(
                    { 'origin.url': { $in: batch.map((item) => item.url) } },
                    { projection: { _id: 1, sha256: 1, 'origin.url': 1 } },
                  )
                  .toArray(),
              ]);
              for (const d of mine) stored.set(byImage.get(d._id)!, d._id);
              for (const d of sameUrl) {
                const url = d.origin?.url;
                if (!url) continue;
                if (!fromUrls.has(url)) fromUrls.set(url, new Map());
                fromUrls.get(url)!.set(d.sha256, d._id);
              }
            }
            return stored;
          },
          done: (id) => projection.outcomes(id),
          events,
          limiter,
          retry: { attempts: config.PIXELFORGE_IMPORT_ATTEMPTS, baseMs: 500, maxMs: 30_000 },
          onOutcome: (_item, outcome, bytes) => {
            metrics.downloads.inc({ outcome });
            metrics.bytes.inc(bytes);
          },
          onRetry: (item, reason, waitMs) => {
            metrics.retries.inc();
            log.info('retrying a download', { importId, url: item.url, reason, waitMs });
          },
        },
        controller.signal,
      );
    } finally {
      running.delete(importId);
    }
  }

  const consumer: RunningConsumer = await startConsumer(
    conn.bus,
    {
      name: IMPORTER_CONSUMER,
      stream: STREAMS.imports.name,
      filterSubject: 'pf.import.requested',
      concurrency: IMPORTS_AT_ONCE,
      ackWaitMs: config.PIXELFORGE_IMPORT_TAKEOVER_MS,
      handler: async ({ event, working }) => {
        if (event.type !== 'pf.import.requested') return ack;
        const { importId, request } = event.data;
        const known = await projection.get(importId);
        if (known && importEnded(known.status)) return ack;
        if (known?.cancelRequested) {
          await events.publish(
            'pf.import.cancelled',
            importId,
            { importId },
            { id: `${importId}-cancelled` },
          );
          return ack;
        }
        // A long import keeps its request message: the bus must not hand it to another importer meanwhile.
        const heartbeat = setInterval(working, config.PIXELFORGE_IMPORT_TAKEOVER_MS / 3);
        try {
          const result = await run(importId, request, event.actor);
          log.info('import finished', { importId, result });
        } finally {
          clearInterval(heartbeat);
        }
        return ack;
      },
    },
    { logger: log },
  );

  // Cancellations reach every importer; the one running the import aborts it.
  const cancels = conn.bus.nc.subscribe('pf.import.cancel_requested', {
    callback: (_err, msg) => {
      try {
        const event = PixelforgeEvent.parse(JSON.parse(new TextDecoder().decode(msg.data)));
        if (event.type === 'pf.import.cancel_requested') running.get(event.data.importId)?.abort();
      } catch {
        // Not an event of ours: the bus's schema check refuses those at publishing.
      }
    },
  });

  return {
    metrics: metrics.registry,
    async stop() {
      cancels.unsubscribe();
      for (const controller of running.values()) controller.abort();
      await consumer.stop();
      await Promise.all([...clients.values()].map((c) => c.close()));
      agents.destroy();
    },
  };
}

/** What a failed store says about its item: the inspector's refusals are final, a broken body may pass. */
function itemFailure(err: unknown): ItemFailure {
  if (err instanceof DownloadError) return err;
  if (err instanceof PixelforgeError) return { message: err.message, retryable: false };
  const message = (err as Error)?.message ?? String(err);
  return { message: `the download broke off: ${message}`, retryable: true };
}
