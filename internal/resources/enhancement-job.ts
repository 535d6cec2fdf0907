// The EnhancementJob resource (pixelforge.io/v1alpha1): one zod schema for spec, status and metadata,
// the source of the TypeScript types, the CRD's OpenAPI schema and the NATS KV store's validation.
import { z } from 'zod';
import { EnhancementSpec } from '../jobs/spec.ts';
import { JobOutput } from '../events/catalog.ts';

export const GROUP = 'pixelforge.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = 'EnhancementJob';
export const PLURAL = 'enhancementjobs';
export const SINGULAR = 'enhancementjob';
export const SHORT_NAMES = ['ej'] as const;

/** Lifecycle phases, in the order a job normally moves through them. */
export const JOB_PHASES = ['Pending', 'Scheduled', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;
export const JobPhase = z.enum(JOB_PHASES);
export type JobPhase = z.infer<typeof JobPhase>;
export const TERMINAL_PHASES: ReadonlySet<JobPhase> = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** True when nothing more will happen to a job in this phase. */
export function isTerminal(phase: JobPhase | undefined): boolean {
  return phase !== undefined && TERMINAL_PHASES.has(phase);
}

/**
 * Resource names are DNS labels: the name becomes the worker's PIXELFORGE_JOB_ID and label values, which
 * Kubernetes caps at 63 characters.
 */
export const JOB_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const JobName = z
  .string()
  .max(63, 'a job name has at most 63 characters')
  .regex(JOB_NAME_PATTERN, 'a job name is lower-case letters, digits and dashes (a DNS label)');

/** A Kubernetes-style condition (metav1.Condition). */
export const Condition = z.object({
  type: z
    .string()
    .min(1)
    .max(316)
    .regex(/^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/),
  status: z.enum(['True', 'False', 'Unknown']),
  /** The spec generation this condition was computed from. */
  observedGeneration: z.number().int().min(0).optional(),
  lastTransitionTime: z.iso.datetime({ offset: true }),
  /** CamelCase, machine-readable; every reason is in internal/controller/reasons.ts. */
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
});
export type Condition = z.infer<typeof Condition>;

export const JobProgress = z.object({
  done: z.number().int().min(0),
  total: z.number().int().min(1),
  unit: z.enum(['tiles', 'frames', 'bytes']),
  /** `12/16 tiles`: what `kubectl get ej` shows in the Progress column. */
  summary: z.string().max(64).optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

/** Observed state, written only by the controller (through the status subresource). */
export const EnhancementJobStatus = z.object({
  phase: JobPhase.optional().meta({ description: 'Where the job is in its lifecycle.' }),
  /** The spec generation the status was last reconciled from. */
  observedGeneration: z.number().int().min(0).optional(),
  conditions: z
    .array(Condition)
    .max(16)
    .optional()
    .meta({
      description: 'Scheduled, Running, Succeeded, Failed, Cancelled; keyed by type.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  progress: JobProgress.optional(),
  /** Workloads started so far (1 on the first run; retries add one each). */
  attempts: z.number().int().min(0).optional(),
  /** The name of the current attempt's workload (a batch/v1 Job, or a local process). */
  workload: z.string().max(253).optional(),
  scheduledAt: z.iso.datetime({ offset: true }).optional(),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  completedAt: z.iso.datetime({ offset: true }).optional(),
  /** While backing off after a retryable failure: when the next attempt may start. */
  retryAt: z.iso.datetime({ offset: true }).optional(),
  output: JobOutput.optional().meta({ description: 'The stored result, once the worker reported it.' }),
  message: z.string().max(4000).optional().meta({ description: 'Human-readable detail of the phase.' }),
});
export type EnhancementJobStatus = z.infer<typeof EnhancementJobStatus>;

export const OwnerReference = z.object({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

/** The part of Kubernetes ObjectMeta Pixelforge reads and writes; the NATS KV store keeps the same. */
export const ObjectMeta = z.object({
  name: JobName,
  namespace: z.string().optional(),
  uid: z.string().optional(),
  /** Opaque; a write carrying a stale one is refused (optimistic concurrency). */
  resourceVersion: z.string().optional(),
  /** Incremented on every spec change. */
  generation: z.number().int().optional(),
  creationTimestamp: z.string().optional(),
  deletionTimestamp: z.string().optional(),
  finalizers: z.array(z.string()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(OwnerReference).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

export const EnhancementJob = z.object({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: ObjectMeta,
  spec: EnhancementSpec,
  status: EnhancementJobStatus.optional(),
});
/** An EnhancementJob as read from a store: defaults applied. */
export type EnhancementJob = z.infer<typeof EnhancementJob>;
/** What a client writes: defaults may be omitted. */
export type EnhancementJobInput = z.input<typeof EnhancementJob>;

/** A new EnhancementJob named `name` with `spec`, ready to create. */
export function newEnhancementJob(
  name: string,
  spec: z.input<typeof EnhancementSpec>,
  labels: Record<string, string> = {},
): EnhancementJob {
  return EnhancementJob.parse({
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name, ...(Object.keys(labels).length ? { labels } : {}) },
    spec,
  });
}
