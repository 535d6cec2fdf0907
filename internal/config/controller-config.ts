// The controller's environment variables (runtime, cap, retries, leader election, worker Job settings),
// spread into ConfigSchema so one loadConfig validates them with the rest.
import { z } from 'zod';
import { envBool as bool, envInt as int } from './env-values.ts';

/** JSON in a variable, validated by `schema`. */
const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const Toleration = z.object({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});
const Quantities = z.record(z.string(), z.string());

export const controllerConfigFields = {
  /** Where workers run: `local` child processes, or `kubernetes` Jobs (resources in the API server). */
  PIXELFORGE_RUNTIME: z.enum(['local', 'kubernetes']).default('local'),
  /** Namespace of the EnhancementJobs, worker Jobs and the leader Lease. */
  PIXELFORGE_NAMESPACE: z.string().min(1).max(63).default('pixelforge'),
  /** Jobs with a workload at once; more wait (Pending) in priority order. */
  PIXELFORGE_MAX_RUNNING_JOBS: int(1, 100_000).default(2),
  /** Reconciles processed at once. */
  PIXELFORGE_CONTROLLER_CONCURRENCY: int(1, 256).default(8),
  /** Attempts per job, the first included; exit code 42 (permanent) is never retried. */
  PIXELFORGE_JOB_MAX_ATTEMPTS: int(1, 100).default(3),
  /** Delay before the second attempt, doubled per attempt up to PIXELFORGE_RETRY_MAX_MS. */
  PIXELFORGE_RETRY_BASE_MS: int(0, 3_600_000).default(10_000),
  PIXELFORGE_RETRY_MAX_MS: int(0, 86_400_000).default(300_000),
  /** Least time between two status writes that only move progress. */
  PIXELFORGE_PROGRESS_INTERVAL_MS: int(0, 600_000).default(2000),
  /** Full re-list of the watched resources. */
  PIXELFORGE_RESYNC_MS: int(1000, 86_400_000).default(300_000),
  /** A watch silent for this long is restarted. */
  PIXELFORGE_WATCH_QUIET_MS: int(100, 3_600_000).default(120_000),
  PIXELFORGE_LEADER_ELECTION: bool.default(true),
  PIXELFORGE_LEASE_DURATION_MS: int(1000, 600_000).default(15_000),
  PIXELFORGE_LEASE_RENEW_DEADLINE_MS: int(500, 600_000).default(10_000),
  PIXELFORGE_LEASE_RETRY_PERIOD_MS: int(100, 60_000).default(2000),
  /** Kubernetes runtime: the worker image (the same multi-stage image as every process). */
  PIXELFORGE_WORKER_IMAGE: z.string().min(1).default('ghcr.io/pixelforge/pixelforge:latest'),
  PIXELFORGE_WORKER_IMAGE_PULL_POLICY: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  /** GPUs per worker (0: CPU inference). */
  PIXELFORGE_WORKER_GPUS: int(0, 16).default(1),
  PIXELFORGE_WORKER_GPU_RESOURCE: z.string().min(1).default('nvidia.com/gpu'),
  /**
   * How GPU workers run inference: `webgpu` (Vulkan, what the default image can do) or `cuda` (needs the
   * CUDA image, `deploy/Dockerfile.cuda`).
   */
  PIXELFORGE_WORKER_GPU_PROVIDER: z.enum(['webgpu', 'cuda']).default('webgpu'),
  /** JSON object, e.g. `{"nvidia.com/gpu.present":"true"}`. */
  PIXELFORGE_WORKER_NODE_SELECTOR: json(z.record(z.string(), z.string())).default({}),
  /** JSON array of tolerations, e.g. `[{"key":"nvidia.com/gpu","operator":"Exists","effect":"NoSchedule"}]`. */
  PIXELFORGE_WORKER_TOLERATIONS: json(z.array(Toleration)).default([]),
  /** JSON `{"requests":{"cpu":"1","memory":"2Gi"},"limits":{"memory":"4Gi"}}`. */
  PIXELFORGE_WORKER_RESOURCES: json(
    z.object({ requests: Quantities.optional(), limits: Quantities.optional() }),
  ).default({}),
  /** Pod retries inside one attempt's Job. */
  PIXELFORGE_WORKER_BACKOFF_LIMIT: int(0, 20).default(1),
  PIXELFORGE_WORKER_DEADLINE_SECONDS: int(10, 7 * 86_400).default(3600),
  /** Finished worker Jobs are removed after this long. */
  PIXELFORGE_WORKER_TTL_SECONDS: int(0, 30 * 86_400).default(3600),
  PIXELFORGE_WORKER_SERVICE_ACCOUNT: z.string().min(1).optional(),
  /** A Secret whose keys become the workers' environment (e.g. MONGO_URL with credentials). */
  PIXELFORGE_WORKER_ENV_SECRET: z.string().min(1).optional(),
  /** Port of the controller's /healthz and /readyz. */
  PIXELFORGE_HEALTH_PORT: int(0, 65535).default(8081),
  /** Local runtime: the worker command as a JSON array (default: node cmd/worker/main.ts run, with the controller's Node). */
  PIXELFORGE_LOCAL_WORKER_COMMAND: json(z.array(z.string()).min(1)).optional(),
};
