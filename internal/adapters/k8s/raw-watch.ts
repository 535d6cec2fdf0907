// A Kubernetes watch over one streamed HTTPS response: events line by line, 410 Gone as WatchExpiredError,
// and a `stop()` that destroys the socket (so a hung connection can always be abandoned).
import { request, type RequestOptions } from 'node:https';
import { request as plainRequest } from 'node:http';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { WatchExpiredError, type WatchHandle } from '../../ports/resource-store.ts';
import { KubeApiError } from './raw-client.ts';

/** A raw watch event as the API server sends it. */
export interface RawWatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: { metadata?: { resourceVersion?: string }; code?: number; message?: string } & Record<
    string,
    unknown
  >;
}

/** Options of {@link kubeWatch}. */
export interface KubeWatchOptions {
  resourceVersion: string;
  labelSelector?: string;
  /** The server ends the watch after this long (default 300 s); the informer then resumes it. */
  timeoutSeconds?: number;
}

/** Watches `path` (a collection URL) from `resourceVersion`, with bookmarks. */
export function kubeWatch(
  kubeConfig: KubeConfig,
  path: string,
  { resourceVersion, labelSelector, timeoutSeconds = 300 }: KubeWatchOptions,
  onEvent: (event: RawWatchEvent) => void,
): WatchHandle {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  url.searchParams.set('watch', 'true');
  url.searchParams.set('allowWatchBookmarks', 'true');
  url.searchParams.set('resourceVersion', resourceVersion);
  url.searchParams.set('timeoutSeconds', String(timeoutSeconds));
  if (labelSelector) url.searchParams.set('labelSelector', labelSelector);

  let stopped = false;
  let destroy: () => void = () => {};
  const done = (async () => {
    const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
    await kubeConfig.applyToHTTPSOptions(options);
    if (stopped) return;
    await new Promise<void>((resolve, reject) => {
      const send = url.protocol === 'http:' ? plainRequest : request;
      const req = send(url, options, (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => {
            const err =
              res.statusCode === 410
                ? new WatchExpiredError(`watch of ${path} expired: ${text.slice(0, 200)}`)
                : new KubeApiError(
                    res.statusCode ?? 0,
                    'WatchFailed',
                    `watch ${path}: ${text.slice(0, 300)}`,
                  );
            reject(err);
          });
          return;
        }
        let failure: Error | undefined;
        const lines = createInterface({ input: res });
        lines.on('line', (line) => {
          if (!line.trim() || failure) return;
          let event: RawWatchEvent;
          try {
            event = JSON.parse(line) as RawWatchEvent;
          } catch {
            return; // a torn line only happens when the connection is cut, which ends the watch anyway
          }
          if (event.type === 'ERROR') {
            failure =
              event.object.code === 410
                ? new WatchExpiredError(`watch of ${path} expired: ${event.object.message ?? ''}`)
                : new Error(
                    `watch of ${path} failed: ${event.object.message ?? JSON.stringify(event.object)}`,
                  );
            req.destroy();
            return;
          }
          onEvent(event);
        });
        // A cut connection and a server-side timeout both end here; readline alone may never close when
        // the response is destroyed, so the response's own close counts too.
        const finish = () => (failure && !stopped ? reject(failure) : resolve());
        lines.on('close', finish);
        res.on('close', finish);
        // Destroying the request (stop(), a cut connection) errors the response and, through it, readline.
        res.on('error', () => {});
        lines.on('error', () => {});
      });
      destroy = () => req.destroy();
      req.on('error', (err) => (stopped ? resolve() : reject(err)));
      req.end();
    });
  })();
  return {
    stop() {
      stopped = true;
      destroy();
    },
    done,
  };
}
