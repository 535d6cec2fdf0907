// ResourceStore on a NATS KV bucket, for the local mode: one key per EnhancementJob, the entry's revision
// as resourceVersion (a write with a stale one is refused by the server), and the API server's rules
// kept by hand: generation counts spec changes, finalizers hold a deletion, status is written apart.
import { randomUUID } from 'node:crypto';
import { Kvm, type KV } from '@nats-io/kv';
import {
  ResourceConflictError,
  ResourceExistsError,
  ResourceNotFoundError,
  type ResourceStore,
  type WatchEvent,
} from '../../ports/resource-store.ts';
import {
  API_VERSION,
  EnhancementJob,
  KIND,
  type EnhancementJobInput,
} from '../../resources/enhancement-job.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { Bus } from './connect.ts';

export const JOBS_BUCKET = 'pixelforge_enhancementjobs';

/** Options of {@link createKvResourceStore}. */
export interface KvResourceStoreOptions {
  /** Keys are `<namespace>.<name>`, so namespaces share the bucket as in Kubernetes. */
  namespace: string;
  logger: Logger;
  bucket?: string;
}

const encoder = new TextEncoder();
/** Kubernetes timestamps have whole seconds. */
const timestamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const isStale = (err: unknown) => /wrong last sequence|key exists/i.test(String((err as Error)?.message));

/** Opens (creating if needed) the bucket and returns the store. */
export async function createKvResourceStore(
  bus: Bus,
  { namespace, logger, bucket = JOBS_BUCKET }: KvResourceStoreOptions,
): Promise<ResourceStore> {
  const kv: KV = await new Kvm(bus.js).create(bucket, { history: 1 });
  const keyOf = (name: string) => `${namespace}.${name}`;
  const nameOf = (key: string) => key.slice(namespace.length + 1);

  const decode = (value: Uint8Array, revision: number): EnhancementJob | null => {
    const parsed = EnhancementJob.safeParse(JSON.parse(new TextDecoder().decode(value)));
    if (!parsed.success) {
      logger.warn('ignoring a stored EnhancementJob that does not match the schema', {
        problem: parsed.error.issues[0]?.message,
      });
      return null;
    }
    parsed.data.metadata.resourceVersion = String(revision);
    return parsed.data;
  };
  const encode = (job: EnhancementJob) => {
    const { resourceVersion: _rv, ...metadata } = job.metadata;
    return encoder.encode(JSON.stringify({ ...job, metadata }));
  };
  const read = async (name: string) => {
    const entry = await kv.get(keyOf(name));
    if (!entry || entry.operation !== 'PUT') return null;
    return decode(entry.value, entry.revision);
  };
  /** Compare-and-set on the caller's resourceVersion. */
  const replace = async (next: EnhancementJob, resourceVersion: string | undefined) => {
    const name = next.metadata.name;
    try {
      const revision = await kv.update(keyOf(name), encode(next), Number(resourceVersion));
      return { ...next, metadata: { ...next.metadata, resourceVersion: String(revision) } };
    } catch (err) {
      if (isStale(err)) throw new ResourceConflictError(name);
      throw err;
    }
  };
  /** Removes the entry if it is still at `resourceVersion` (the last finalizer just went). */
  const remove = async (job: EnhancementJob) => {
    try {
      await kv.delete(keyOf(job.metadata.name), { previousSeq: Number(job.metadata.resourceVersion) });
    } catch (err) {
      if (isStale(err)) throw new ResourceConflictError(job.metadata.name);
      throw err;
    }
    return job;
  };
  const current = async (job: EnhancementJob) => {
    const stored = await read(job.metadata.name);
    if (!stored) throw new ResourceNotFoundError(job.metadata.name);
    if (stored.metadata.resourceVersion !== job.metadata.resourceVersion) {
      throw new ResourceConflictError(job.metadata.name);
    }
    return stored;
  };

  return {
    backend: 'nats-kv',
    get: read,
    async list() {
      // The bucket's sequence before reading: watching from it may replay a change the list already has,
      // which an informer absorbs; starting after the reads could miss one.
      const resourceVersion = String((await kv.status()).streamInfo.state.last_seq);
      const items: EnhancementJob[] = [];
      for await (const key of await kv.keys(`${namespace}.>`)) {
        const job = await read(nameOf(key));
        if (job) items.push(job);
      }
      return { items, resourceVersion };
    },
    watch(resourceVersion, onEvent) {
      let stopped = false;
      let stopIterator: () => void = () => {};
      const done = (async () => {
        const iterator = await kv.watch({
          key: `${namespace}.>`,
          resumeFromRevision: Number(resourceVersion) + 1,
        });
        stopIterator = () => iterator.stop();
        if (stopped) iterator.stop();
        for await (const entry of iterator) {
          const name = nameOf(entry.key);
          if (entry.operation === 'PUT') {
            const job = decode(entry.value, entry.revision);
            if (job) onEvent({ type: 'MODIFIED', object: job });
          } else {
            // A delete carries no value: the informer only needs the name, version and that it is gone.
            const gone = {
              apiVersion: API_VERSION,
              kind: KIND,
              metadata: { name, resourceVersion: String(entry.revision), deletionTimestamp: timestamp() },
              spec: {},
            } as unknown as EnhancementJob;
            onEvent({ type: 'DELETED', object: gone } satisfies WatchEvent<EnhancementJob>);
          }
        }
      })();
      return {
        stop() {
          stopped = true;
          stopIterator();
        },
        done,
      };
    },
    async create(input: EnhancementJobInput) {
      const job = EnhancementJob.parse({ ...input, apiVersion: API_VERSION, kind: KIND });
      const { status: _status, ...rest } = job;
      const stored: EnhancementJob = {
        ...rest,
        metadata: {
          ...rest.metadata,
          namespace,
          uid: randomUUID(),
          generation: 1,
          creationTimestamp: timestamp(),
        },
      };
      try {
        const revision = await kv.create(keyOf(job.metadata.name), encode(stored));
        return { ...stored, metadata: { ...stored.metadata, resourceVersion: String(revision) } };
      } catch (err) {
        if (isStale(err)) throw new ResourceExistsError(job.metadata.name);
        throw err;
      }
    },
    async update(job) {
      const stored = await current(job);
      const specChanged = JSON.stringify(stored.spec) !== JSON.stringify(job.spec);
      const next: EnhancementJob = {
        ...stored,
        metadata: {
          ...stored.metadata,
          ...(job.metadata.labels ? { labels: job.metadata.labels } : {}),
          ...(job.metadata.annotations ? { annotations: job.metadata.annotations } : {}),
          finalizers: job.metadata.finalizers ?? [],
          generation: (stored.metadata.generation ?? 1) + (specChanged ? 1 : 0),
        },
        spec: job.spec,
      };
      if (next.metadata.deletionTimestamp && next.metadata.finalizers!.length === 0) return remove(next);
      return replace(next, job.metadata.resourceVersion);
    },
    async updateStatus(job) {
      const stored = await current(job);
      return replace(
        { ...stored, ...(job.status ? { status: job.status } : {}) },
        job.metadata.resourceVersion,
      );
    },
    async delete(name) {
      for (;;) {
        const stored = await read(name);
        if (!stored) return false;
        try {
          if (!stored.metadata.finalizers?.length) await remove(stored);
          else if (!stored.metadata.deletionTimestamp) {
            await replace(
              { ...stored, metadata: { ...stored.metadata, deletionTimestamp: timestamp() } },
              stored.metadata.resourceVersion,
            );
          }
          return true;
        } catch (err) {
          // Raced with the controller's own write: read again and retry.
          if (!(err instanceof ResourceConflictError)) throw err;
        }
      }
    },
  };
}
