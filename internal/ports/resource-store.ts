// The ResourceStore port: EnhancementJobs with Kubernetes semantics (resourceVersion, generation,
// finalizers, status subresource, watch) whether they live in the API server or in a NATS KV bucket.
import { ConflictError, NotFoundError } from '../errors/errors.ts';
import type { EnhancementJob, EnhancementJobInput } from '../resources/enhancement-job.ts';

/** One change seen by a watch; BOOKMARK only moves the resourceVersion on. */
export type WatchEvent<T> =
  { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T } | { type: 'BOOKMARK'; resourceVersion: string };

/** A consistent snapshot: watching from `resourceVersion` misses nothing after it. */
export interface Snapshot<T> {
  items: T[];
  resourceVersion: string;
}

/** A running watch. `done` resolves when the server ends it, rejects with WatchExpiredError or a failure. */
export interface WatchHandle {
  stop(): void;
  readonly done: Promise<void>;
}

/** Anything an informer can mirror: a list plus a watch from the list's version. */
export interface ListWatch<T> {
  list(): Promise<Snapshot<T>>;
  watch(resourceVersion: string, onEvent: (event: WatchEvent<T>) => void): WatchHandle;
}

export interface ResourceStore extends ListWatch<EnhancementJob> {
  /** `kubernetes` or `nats-kv`, for logs and health output. */
  readonly backend: string;
  get(name: string): Promise<EnhancementJob | null>;
  /** Stores a new job; ResourceExistsError when the name is taken. Status is ignored. */
  create(job: EnhancementJobInput): Promise<EnhancementJob>;
  /**
   * Replaces metadata (labels, annotations, finalizers) and spec; status is ignored. Refused with
   * ResourceConflictError when `metadata.resourceVersion` is stale. Removing the last finalizer of a job
   * being deleted removes it.
   */
  update(job: EnhancementJob): Promise<EnhancementJob>;
  /** Replaces status only, under the same optimistic concurrency. */
  updateStatus(job: EnhancementJob): Promise<EnhancementJob>;
  /** Deletes the job, or marks it (deletionTimestamp) while finalizers remain. False when absent. */
  delete(name: string): Promise<boolean>;
}

/** A write carried a stale resourceVersion: read again and retry. */
export class ResourceConflictError extends ConflictError {
  constructor(name: string) {
    super(`EnhancementJob ${name} was changed by someone else; read it again`, { name });
  }
}

/** A create named a job that exists. */
export class ResourceExistsError extends ConflictError {
  constructor(name: string) {
    super(`EnhancementJob ${name} already exists`, { name });
  }
}

/** The job does not exist (any more). */
export class ResourceNotFoundError extends NotFoundError {
  constructor(name: string) {
    super('EnhancementJob', name);
  }
}

/** The watch's resourceVersion is too old to resume from (HTTP 410): list again. */
export class WatchExpiredError extends Error {
  override name = 'WatchExpiredError';
}

/** True when `err` means "someone else wrote first". */
export function isConflict(err: unknown): err is ResourceConflictError {
  return err instanceof ResourceConflictError;
}
