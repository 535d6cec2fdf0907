// A JSON-over-HTTPS call to the API server with the kubeconfig's credentials, for objects the typed
// client would reshape (CRDs lose `x-kubernetes-*`, `enum` and `default` through its model classes).
import { request, type RequestOptions } from 'node:https';
import { request as plainRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/** The API server answered with an error status; `status` is its `Status` object when it sent one. */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly code: number;
  readonly reason: string;
  readonly status?: unknown;
  constructor(code: number, reason: string, message: string, status?: unknown) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.status = status;
  }
}

/** Options of {@link kubeRequest}. */
export interface KubeRequestOptions {
  /** Request body, sent as JSON. */
  body?: unknown;
  /** Content type of the body (default `application/json`; patches pass theirs). */
  contentType?: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Default 30 000 ms. */
  timeoutMs?: number;
  /** Accept header (default `application/json`; `kubectl get` asks for a server-side Table). */
  accept?: string;
}

/** Sends one request to `path` (e.g. `/apis/pixelforge.io/v1alpha1/...`) and resolves with the JSON answer. */
export async function kubeRequest<T = unknown>(
  kubeConfig: KubeConfig,
  method: string,
  path: string,
  {
    body,
    contentType = 'application/json',
    query = {},
    timeoutMs = 30_000,
    accept = 'application/json',
  }: KubeRequestOptions = {},
): Promise<T> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const options: RequestOptions = {
    method,
    timeout: timeoutMs,
    headers: {
      accept,
      ...(payload ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
    },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  const send = url.protocol === 'http:' ? plainRequest : request;
  return new Promise<T>((resolve, reject) => {
    const req = send(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve(parsed as T);
        const status = parsed as { reason?: string; message?: string } | undefined;
        reject(
          new KubeApiError(
            code,
            status?.reason ?? 'Unknown',
            `${method} ${path}: ${code} ${status?.message ?? text.slice(0, 500)}`,
            parsed,
          ),
        );
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
