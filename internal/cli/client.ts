// The CLI's HTTP client: base URL and API key from the environment (or the local stack's admin key).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, PixelforgeError, type ErrorCode as Code } from '../errors/errors.ts';

export interface ApiClient {
  baseUrl: string;
  /** Sends a request; resolves with the parsed JSON body, or throws the API's problem as a PixelforgeError. */
  call<T = unknown>(path: string, init?: RequestInit): Promise<T>;
}

/** PIXELFORGE_URL (default http://127.0.0.1:8080) and PIXELFORGE_API_KEY (default <data dir>/admin.key). */
export async function createApiClient(env: NodeJS.ProcessEnv = process.env): Promise<ApiClient> {
  const baseUrl = (env.PIXELFORGE_URL ?? `http://127.0.0.1:${env.PORT ?? 8080}`).replace(/\/$/, '');
  const key =
    env.PIXELFORGE_API_KEY ??
    (await readFile(resolve(env.PIXELFORGE_DATA_DIR ?? '.data', 'admin.key'), 'utf8').then(
      (k) => k.trim(),
      () => undefined,
    ));
  return {
    baseUrl,
    async call<T>(path: string, init: RequestInit = {}): Promise<T> {
      let res: Response;
      try {
        res = await fetch(baseUrl + path, {
          ...init,
          headers: { ...(key ? { 'x-api-key': key } : {}), ...(init.headers as Record<string, string>) },
        });
      } catch (err) {
        throw new PixelforgeError(
          ErrorCode.Unavailable,
          `cannot reach Pixelforge at ${baseUrl} (${(err as Error).cause ?? (err as Error).message}); is \`pixelforge up\` running?`,
        );
      }
      const text = await res.text();
      const body = text ? JSON.parse(text) : null;
      if (!res.ok) {
        throw new PixelforgeError(
          (body?.code as Code) ?? ErrorCode.Internal,
          body?.message ?? `HTTP ${res.status}`,
          body?.details,
        );
      }
      return body as T;
    },
  };
}
