// Assembles the ingress: the image service over the connections, and the HTTP app over the service.
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config/config.ts';
import { createNatsPublisher } from '../adapters/nats/publisher.ts';
import { createQueries } from '../adapters/mongo/queries.ts';
import { createImageService } from '../images/image-service.ts';
import { createApp, type IngressApp } from '../http/app.ts';
import { parseApiKeyHashes } from '../http/auth.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';
import { buildEnhancementService } from './enhancements.ts';
import { createModelRegistry } from '../adapters/onnx/model-registry.ts';
import { summarise } from '../enhance/model-catalogue.ts';
import { createVideoInspector } from '../adapters/ffmpeg/video-inspector.ts';
import { videoLimitsOf } from './video-limits.ts';
import { createVideoService } from '../videos/video-service.ts';
import { PIXELFORGE_VERSION } from './version.ts';
import { workersInfo } from './workers-info.ts';
import { ErrorCode, PixelforgeError } from '../errors/errors.ts';
import { createAccounts } from '../auth/accounts.ts';
import {
  createAccessTokens,
  generateSigningKey,
  parseSigningKeys,
  type SigningJwk,
} from '../auth/access-tokens.ts';
import { createLoginThrottle } from '../auth/login-throttle.ts';
import { createAccountsStore } from '../adapters/mongo/accounts-store.ts';
import { createApiKeyStore } from '../adapters/mongo/api-key-store.ts';
import { createImportProjection } from '../adapters/mongo/import-projection.ts';
import { createWatermark } from '../adapters/nats/watermark.ts';
import { STREAMS } from '../events/catalog.ts';
import { createImportService, type ImportService } from '../imports/import-service.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import { IMPORTS_CONSUMER } from './projector.ts';
import { createApiKeys } from '../auth/api-keys.ts';

/** The ingress app over open connections (no port: tests call `app.request`). */
/** The models under `modelsDir`, summarised; the folder is read once, when first asked. */
function installedModels(modelsDir: string) {
  const registry = createModelRegistry(modelsDir);
  return async () => summarise(await registry.manifests());
}

/** Accounts over the auth service's collections, with the configured signing keys (or one made now). */
function buildAccounts(config: Config, conn: Connections, logger: Logger) {
  let keys: SigningJwk[];
  if (config.PIXELFORGE_JWT_KEYS) keys = parseSigningKeys(config.PIXELFORGE_JWT_KEYS);
  else {
    keys = [generateSigningKey()];
    logger.warn(
      'PIXELFORGE_JWT_KEYS is not set: access tokens are signed with a key made at start, so they end with this process and other replicas refuse them',
    );
  }
  const tokens = createAccessTokens({
    keys,
    issuer: config.PIXELFORGE_JWT_ISSUER,
    audience: 'pixelforge-api',
  });
  const store = createAccountsStore(conn.mongo.db);
  const service = createAccounts({ store, tokens });
  const apiKeys = createApiKeys({ store: createApiKeyStore(conn.mongo.db), users: store });
  return { service, tokens, keys: apiKeys, throttle: createLoginThrottle() };
}

/**
 * Creates the first administrator from PIXELFORGE_ADMIN_EMAIL when the database has no account yet, with a
 * generated password the caller prints once; null when not configured or when accounts exist.
 */
export async function createFirstAdmin(
  config: Config,
  conn: Connections,
  logger: Logger,
): Promise<{ email: string; password: string } | null> {
  if (!config.PIXELFORGE_ADMIN_EMAIL) return null;
  const made = await buildAccounts(config, conn, logger).service.ensureFirstAdmin(
    config.PIXELFORGE_ADMIN_EMAIL,
  );
  return made ? { email: made.user.email, password: made.password } : null;
}

/** The service behind /v1/imports: requests published on NATS, reads from the `imports` read model. */
function buildImportService(config: Config, conn: Connections, events: EventPublisher): ImportService {
  const applied = createWatermark(conn.bus.jsm, STREAMS.imports.name, IMPORTS_CONSUMER);
  return createImportService({
    events,
    reads: createImportProjection(conn.mongo.db),
    sources: ['default', ...config.PIXELFORGE_IMPORT_SOURCES.keys()],
    caughtUp: async (timeoutMs) => {
      const latest = (await conn.bus.jsm.streams.info(STREAMS.imports.name)).state.last_seq;
      return applied.waitFor(latest, timeoutMs).catch(() => false);
    },
    readWaitMs: config.PIXELFORGE_READ_WAIT_MS,
  });
}

export function buildIngressApp(config: Config, conn: Connections, logger: Logger): IngressApp {
  const queries = createQueries(conn.models);
  const events = createNatsPublisher(conn.bus.js, { source: 'pixelforge/ingress' });
  const images = createImageService({
    events,
    blobs: conn.blobs,
    read: queries,
    progress: conn.progress,
    limits: { maxBytes: config.PIXELFORGE_MAX_UPLOAD_BYTES, maxPixels: config.PIXELFORGE_MAX_PIXELS },
  });
  return createApp(
    {
      images,
      queries,
      blobs: conn.blobs,
      progress: conn.progress,
      ready: conn.readiness,
      apiKeys: parseApiKeyHashes(config.PIXELFORGE_API_KEYS),
      publicReads: config.PIXELFORGE_PUBLIC_READS,
      corsOrigins: config.PIXELFORGE_CORS_ORIGINS,
      models: installedModels(config.PIXELFORGE_MODELS_DIR),
      maxUploadBytes: config.PIXELFORGE_MAX_UPLOAD_BYTES,
      maxConcurrentUploads: config.PIXELFORGE_MAX_CONCURRENT_UPLOADS,
      readWaitMs: config.PIXELFORGE_READ_WAIT_MS,
      info: {
        version: PIXELFORGE_VERSION,
        limits: {
          maxUploadBytes: config.PIXELFORGE_MAX_UPLOAD_BYTES,
          maxPixels: config.PIXELFORGE_MAX_PIXELS,
          maxVideoBytes: config.PIXELFORGE_MAX_VIDEO_BYTES,
          maxVideoSeconds: config.PIXELFORGE_MAX_VIDEO_SECONDS,
        },
        workers: workersInfo(config),
      },
      enhancements: buildEnhancementService(config, conn),
      imports: buildImportService(config, conn, events),
      accounts: buildAccounts(config, conn, logger),
      videos: {
        service: createVideoService({
          events,
          blobs: conn.blobs,
          read: queries,
          progress: conn.progress,
          inspect: createVideoInspector(videoLimitsOf(config)),
          maxBytes: config.PIXELFORGE_MAX_VIDEO_BYTES,
        }),
        maxUploadBytes: config.PIXELFORGE_MAX_VIDEO_BYTES,
      },
    },
    logger,
  );
}

export interface ListeningServer extends AsyncDisposable {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `app` on HOST:PORT (PORT 0 picks a free port); resolves once listening. */
export function listen(app: IngressApp, port: number, host: string): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined;
    try {
      server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
        const close = () =>
          new Promise<void>((done) => {
            server!.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
        const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
        resolve({
          url: `http://${shown}:${info.port}`,
          port: info.port,
          close,
          [Symbol.asyncDispose]: close,
        });
      });
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new PixelforgeError(
                ErrorCode.Unavailable,
                `port ${port} on ${host} is already in use by another program; set PORT to a free port (0 picks one)`,
              )
            : err,
        ),
      );
    } catch (err) {
      reject(err);
    }
  });
}
