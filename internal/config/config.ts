// Process configuration from the environment, validated with zod once at start-up.
import { resolve } from 'node:path';
import { z } from 'zod';
import { envBool, envInt as int, envOrigins, envSources } from './env-values.ts';
import { controllerConfigFields } from './controller-config.ts';

const MiB = 1024 * 1024;

/** Every variable Pixelforge reads, with its default. Unknown variables are ignored. */
export const ConfigSchema = z.object({
  ...controllerConfigFields,
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URL')
    .default('mongodb://127.0.0.1:27017/pixelforge'),
  /** Database name when MONGO_URL names none. */
  MONGO_DB: z.string().min(1).default('pixelforge'),
  PIXELFORGE_DATA_DIR: z.string().min(1).default('.data'),
  /** Ports `pixelforge up` tries first for its own nats-server and Mongo-wire server; taken: any free one. */
  PIXELFORGE_NATS_PORT: int(1, 65535).default(4222),
  PIXELFORGE_MONGO_PORT: int(1, 65535).default(27017),
  /** Where image bytes live: GridFS in MONGO_URL, or files under PIXELFORGE_BLOB_DIR (one machine only). */
  PIXELFORGE_BLOB_STORE: z.enum(['gridfs', 'files']).default('gridfs'),
  /** The directory of the `files` blob store (default: <PIXELFORGE_DATA_DIR>/blobs). */
  PIXELFORGE_BLOB_DIR: z.string().default(''),
  /**
   * Durability of the local stores (`files` blobs and the Mongo-wire server of `up`): `write` survives a kill -9
   * of every process; `fsync` also a power loss, at a cost on every write.
   */
  PIXELFORGE_LOCAL_DURABILITY: z.enum(['write', 'fsync']).default('write'),
  PIXELFORGE_MAX_UPLOAD_BYTES: int(1, 2 ** 40).default(25 * MiB),
  PIXELFORGE_MAX_PIXELS: int(1, 2 ** 32).default(40_000_000),
  /** Largest video upload; it is also staged on the ingress's temporary disk while ffprobe reads it. */
  PIXELFORGE_MAX_VIDEO_BYTES: int(1, 2 ** 42).default(2048 * MiB),
  /** Longest video accepted, in seconds (the other video limits: DEFAULT_VIDEO_LIMITS in probe-video.ts). */
  PIXELFORGE_MAX_VIDEO_SECONDS: int(1, 86_400).default(2 * 3600),
  /** Uploads one ingress streams at once (each holds a few MB); more wait for a slot, up to 30 s. */
  PIXELFORGE_MAX_CONCURRENT_UPLOADS: int(1, 10_000).default(8),
  /** Comma-separated `name:sha256hex` pairs: the hashes of the API keys allowed to write. */
  PIXELFORGE_API_KEYS: z.string().default(''),
  /**
   * A public gallery: anyone, without a token or a key, may read every image, group, video and job. Off by
   * default: each account reads its own, reviewers and admins everything. Changes need their rights either way.
   */
  PIXELFORGE_PUBLIC_READS: envBool.default(false),
  /**
   * The access-token signing keys: a JSON array of Ed25519 private JWKs with `kid`, the signer first (rotate
   * by adding a key in front, then removing the old one after the token lifetime). Empty: a key made at start,
   * so tokens end with the process and are not shared between replicas (the ingress says so in its log).
   */
  PIXELFORGE_JWT_KEYS: z.string().default(''),
  /** The e-mail of the first administrator, made with a generated password when there is no account yet. */
  PIXELFORGE_ADMIN_EMAIL: z.string().trim().max(254).default(''),
  /** The `iss` of access tokens, and the audience they are for. */
  PIXELFORGE_JWT_ISSUER: z.string().min(1).default('pixelforge'),
  /** Origins whose browser scripts may call the API (CORS), comma-separated, or `*`; default: none. */
  PIXELFORGE_CORS_ORIGINS: envOrigins,
  /** How long a read with `?after=<seq>` waits for the projector, in ms. */
  PIXELFORGE_READ_WAIT_MS: int(0, 60_000).default(5000),
  /** Make the WebP derivative of every upload. */
  PIXELFORGE_WEBP_DERIVATIVE: envBool.default(true),
  /** More MongoDB servers imports may read from, by name; `default` is MONGO_URL's. */
  PIXELFORGE_IMPORT_SOURCES: envSources,
  /** Let imports fetch from loopback, private and link-local addresses (tests, a laptop's own servers). */
  PIXELFORGE_IMPORT_ALLOW_PRIVATE: envBool.default(false),
  /** Downloads of one importer at once, and per host. */
  PIXELFORGE_IMPORT_CONCURRENCY: int(1, 1000).default(20),
  PIXELFORGE_IMPORT_PER_HOST: int(1, 100).default(4),
  /** Tries of one URL, the first included. */
  PIXELFORGE_IMPORT_ATTEMPTS: int(1, 10).default(4),
  /** The longest one download may take, headers and body. */
  PIXELFORGE_IMPORT_TIMEOUT_MS: int(1000, 3_600_000).default(120_000),
  /**
   * How long a running import may go unheard before another importer takes it over (it reports every third of
   * this): how soon an import resumes after its importer was killed.
   */
  PIXELFORGE_IMPORT_TAKEOVER_MS: int(1000, 600_000).default(60_000),
  /** Remove blobs whose upload event never arrived, once they are this old (ms). */
  PIXELFORGE_ORPHAN_BLOB_AGE_MS: int(1000, 7 * 24 * 3600_000).default(15 * 60_000),
  /** Trace exporter: none (default), console, or otlp (honours the OTEL_EXPORTER_OTLP_* variables). */
  PIXELFORGE_TRACES: z.enum(['none', 'console', 'otlp']).default('none'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Where the ONNX models and their manifests are. */
  PIXELFORGE_MODELS_DIR: z.string().min(1).default('models'),
  /** Inference threads per process (0: onnxruntime's default, one per core). */
  PIXELFORGE_THREADS: int(0, 256).default(0),
  /** Execution provider: cpu; webgpu or cuda on GPUs (each fails loudly when it cannot start). */
  PIXELFORGE_PROVIDER: z.enum(['cpu', 'webgpu', 'cuda']).default('cpu'),
  /** Working-set budget of one inference on the CPU, in bytes: the tile size follows from it. */
  PIXELFORGE_MEMORY_BUDGET_BYTES: int(16 * MiB, 2 ** 40).default(512 * MiB),
  /**
   * The same on a GPU provider, in GPU memory (no provider reports how much a device has): the default fits
   * realesrgan-x4plus on a 512×512 tile in a 8 GB card with room for the runtime's buffer cache.
   */
  PIXELFORGE_GPU_MEMORY_BUDGET_BYTES: int(16 * MiB, 2 ** 40).default(4096 * MiB),
});
export type Config = z.infer<typeof ConfigSchema> & { dataDir: string };

/** The memory budget of one inference where `config` runs it: host memory on the CPU, device memory on a GPU. */
export function inferenceBudgetBytes(config: Config): number {
  return config.PIXELFORGE_PROVIDER === 'cpu'
    ? config.PIXELFORGE_MEMORY_BUDGET_BYTES
    : config.PIXELFORGE_GPU_MEMORY_BUDGET_BYTES;
}

/** Raised when the environment is invalid; the message has one line per bad variable. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses `env` into a Config or throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '?');
        const value = env[name];
        return `${name}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
      }),
    );
  }
  const dataDir = resolve(parsed.data.PIXELFORGE_DATA_DIR);
  return {
    ...parsed.data,
    dataDir,
    PIXELFORGE_BLOB_DIR: resolve(parsed.data.PIXELFORGE_BLOB_DIR || `${dataDir}/blobs`),
  };
}
