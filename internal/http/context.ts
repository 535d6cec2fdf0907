// What every route can reach: the services, the read side and the limits, injected once by createApp.
import type { HttpBindings } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ImageService } from '../images/image-service.ts';
import type { ProjectionProgress } from '../images/views.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { ModelSummary } from '../ports/enhancer.ts';
import type { Queries } from '../adapters/mongo/queries.ts';
import type { EnhancementService } from '../jobs/enhancement-service.ts';
import type { VideoService } from '../videos/video-service.ts';
import type { Accounts } from '../auth/accounts.ts';
import type { AccessTokens } from '../auth/access-tokens.ts';
import type { LoginThrottle } from '../auth/login-throttle.ts';
import type { Principal } from '../auth/principal.ts';
import type { ImportService } from '../imports/import-service.ts';
import type { ApiKeys } from '../auth/api-keys.ts';

/** Bindings are @hono/node-server's (the Node request and response); absent under `app.request()`. */
export type AppEnv = { Bindings: Partial<HttpBindings> | undefined; Variables: { caller: Principal } };
export type App = OpenAPIHono<AppEnv>;

export interface UploadLimitsInfo {
  maxUploadBytes: number;
  maxPixels: number;
  maxVideoBytes?: number;
  maxVideoSeconds?: number;
}

/** Where this installation's workers run and with which execution provider: what GET /v1/info reports. */
export interface WorkersInfo {
  runtime: 'local' | 'kubernetes';
  providers: string[];
  /** GPUs each worker pod requests (kubernetes); 0 on CPU workers. */
  gpusPerWorker: number;
}

/** Accounts: absent in apps built without them (API keys only). */
export interface AccountDeps {
  service: Accounts;
  tokens: AccessTokens;
  throttle: LoginThrottle;
  /** Per-user scoped keys. */
  keys: ApiKeys;
}

export interface AppDeps {
  images: ImageService;
  queries: Pick<Queries, 'images' | 'groups' | 'groupDetail' | 'statistics' | 'dailyStatistics'>;
  blobs: BlobStore;
  progress: ProjectionProgress;
  /** Readiness probes of the dependencies; each throws when its server is unreachable. */
  ready: Record<string, () => Promise<void>>;
  apiKeys: Map<string, string>;
  /** Anyone may read everything (the operator's public gallery); otherwise reads need a token or a key. */
  publicReads?: boolean;
  /** Origins whose browser scripts may call the API (`*`: any); empty or absent: no CORS headers. */
  corsOrigins?: readonly string[];
  maxUploadBytes: number;
  /** Uploads streamed at once by this process; more wait for a slot. */
  maxConcurrentUploads: number;
  readWaitMs: number;
  /** What GET /v1/info reports: the version and the limits a client should check before sending. */
  info: { version: string; limits: UploadLimitsInfo; workers?: WorkersInfo };
  /** The installed models, for GET /v1/models (what the workers of this installation can run). */
  models: () => Promise<ModelSummary[]>;
  /** /v1/videos; absent in apps built without video support. */
  videos?: { service: VideoService; maxUploadBytes: number };
  /** /v1/enhancements; absent in apps built without the jobs read model. */
  enhancements?: EnhancementService;
  accounts?: AccountDeps;
  /** /v1/imports; absent in apps built without the importer's read model. */
  imports?: ImportService;
}
