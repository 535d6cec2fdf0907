// ResourceStore on the Kubernetes API: EnhancementJob custom resources in one namespace, read and written
// as JSON with resourceVersion preconditions, watched with bookmarks.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  ResourceConflictError,
  ResourceExistsError,
  ResourceNotFoundError,
  type ResourceStore,
  type Snapshot,
  type WatchEvent,
} from '../../ports/resource-store.ts';
import {
  API_VERSION,
  EnhancementJob,
  KIND,
  PLURAL,
  type EnhancementJobInput,
} from '../../resources/enhancement-job.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { KubeApiError, kubeRequest } from './raw-client.ts';
import { kubeWatch } from './raw-watch.ts';

/** Options of {@link createK8sResourceStore}. */
export interface K8sResourceStoreOptions {
  namespace: string;
  logger: Logger;
  /** Server-side end of each watch, in seconds (default 300). */
  watchTimeoutSeconds?: number;
}

/** The EnhancementJobs of `namespace`. */
export function createK8sResourceStore(
  kubeConfig: KubeConfig,
  { namespace, logger, watchTimeoutSeconds = 300 }: K8sResourceStoreOptions,
): ResourceStore {
  const base = `/apis/${API_VERSION}/namespaces/${namespace}/${PLURAL}`;
  const call = <T>(method: string, path: string, body?: unknown, contentType?: string) =>
    kubeRequest<T>(kubeConfig, method, path, {
      ...(body === undefined ? {} : { body }),
      ...(contentType ? { contentType } : {}),
    });

  /** Objects the schema refuses (an older CRD, a hand edit) are left out rather than crash the informer. */
  const parse = (raw: unknown): EnhancementJob | null => {
    const parsed = EnhancementJob.safeParse(raw);
    if (parsed.success) return parsed.data;
    const name = (raw as { metadata?: { name?: string } })?.metadata?.name;
    logger.warn('ignoring an EnhancementJob that does not match the schema', {
      name,
      problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    });
    return null;
  };
  const mustParse = (raw: unknown): EnhancementJob => {
    const job = parse(raw);
    if (!job) throw new Error('the API server returned an EnhancementJob that does not match the schema');
    return job;
  };
  const translate = (name: string) => (err: unknown) => {
    if (err instanceof KubeApiError) {
      if (err.code === 409 && err.reason === 'AlreadyExists') throw new ResourceExistsError(name);
      if (err.code === 409) throw new ResourceConflictError(name);
      if (err.code === 404) throw new ResourceNotFoundError(name);
    }
    throw err;
  };

  return {
    backend: 'kubernetes',
    async get(name) {
      try {
        return mustParse(await call('GET', `${base}/${name}`));
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return null;
        throw err;
      }
    },
    async list(): Promise<Snapshot<EnhancementJob>> {
      const items: EnhancementJob[] = [];
      let token: string | undefined;
      let resourceVersion = '';
      do {
        const page = await kubeRequest<{
          items: unknown[];
          metadata: { resourceVersion: string; continue?: string };
        }>(kubeConfig, 'GET', base, { query: { limit: 500, continue: token } });
        for (const raw of page.items) {
          const job = parse(raw);
          if (job) items.push(job);
        }
        resourceVersion = page.metadata.resourceVersion;
        token = page.metadata.continue || undefined;
      } while (token);
      return { items, resourceVersion };
    },
    watch(resourceVersion, onEvent) {
      return kubeWatch(
        kubeConfig,
        base,
        { resourceVersion, timeoutSeconds: watchTimeoutSeconds },
        (event) => {
          if (event.type === 'BOOKMARK') {
            const rv = event.object.metadata?.resourceVersion;
            if (rv) onEvent({ type: 'BOOKMARK', resourceVersion: rv });
            return;
          }
          if (event.type === 'ERROR') return;
          const job = parse(event.object);
          if (job) onEvent({ type: event.type, object: job } as WatchEvent<EnhancementJob>);
          else {
            const rv = event.object.metadata?.resourceVersion;
            if (rv) onEvent({ type: 'BOOKMARK', resourceVersion: rv });
          }
        },
      );
    },
    async create(job: EnhancementJobInput) {
      const { status: _status, ...body } = { ...job, apiVersion: API_VERSION, kind: KIND };
      return mustParse(await call('POST', base, body).catch(translate(job.metadata.name)));
    },
    async update(job) {
      const { name, resourceVersion, finalizers, labels, annotations } = job.metadata;
      const patch = {
        metadata: {
          resourceVersion,
          // An empty list must be sent as such: merge patch treats an absent key as "unchanged".
          finalizers: finalizers ?? [],
          ...(labels ? { labels } : {}),
          ...(annotations ? { annotations } : {}),
        },
        spec: job.spec,
      };
      const written = await call('PATCH', `${base}/${name}`, patch, 'application/merge-patch+json').catch(
        translate(name),
      );
      return mustParse(written);
    },
    async updateStatus(job) {
      const name = job.metadata.name;
      return mustParse(await call('PUT', `${base}/${name}/status`, job).catch(translate(name)));
    },
    async delete(name) {
      try {
        await call('DELETE', `${base}/${name}`);
        return true;
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return false;
        throw err;
      }
    },
  };
}
