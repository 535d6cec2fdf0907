// The CLI's HTTP client: the base URL from the environment, and a key or the stored login to authenticate.
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ErrorCode, PixelforgeError, type ErrorCode as Code } from '../errors/errors.ts';
import { credentialsFile, loadLogin, saveLogin, type StoredLogin } from './credentials.ts';

export interface ApiClient {
  baseUrl: string;
  /** What the client authenticates with, in words: `PIXELFORGE_API_KEY`, `the login of ana@…`, a key file. */
  credential: string;
  /** Sends a request; resolves with the parsed JSON body, or throws the API's problem as a PixelforgeError. */
  call<T = unknown>(path: string, init?: RequestInit): Promise<T>;
  /**
   * Streams the bytes at `path` into `file` through a temporary file beside it, so a failed download leaves no
   * partial file; `file` is not overwritten unless `overwrite`. Resolves with the bytes written.
   */
  download(path: string, file: string, options?: { overwrite?: boolean }): Promise<number>;
}

/** The base URL of PIXELFORGE_URL (default http://127.0.0.1:8080, or PORT's). */
export function baseUrlOf(env: NodeJS.ProcessEnv = process.env): string {
  return (env.PIXELFORGE_URL ?? `http://127.0.0.1:${env.PORT ?? 8080}`).replace(/\/$/, '');
}

/**
 * A client of PIXELFORGE_URL that authenticates, in this order, with PIXELFORGE_API_KEY, the login
 * `pixelforge login` stored for that server (renewed when it is about to end), or <data dir>/admin.key.
 */
export async function createApiClient(
  env: NodeJS.ProcessEnv = process.env,
  /** Send no credential at all (logging in must not send an older login's). */
  { anonymous = false }: { anonymous?: boolean } = {},
): Promise<ApiClient> {
  const baseUrl = baseUrlOf(env);
  const keyFile = resolve(env.PIXELFORGE_DATA_DIR ?? '.data', 'admin.key');
  let login = env.PIXELFORGE_API_KEY || anonymous ? undefined : await loadLogin(baseUrl, env);
  const key = anonymous
    ? undefined
    : (env.PIXELFORGE_API_KEY ??
      (login
        ? undefined
        : await readFile(keyFile, 'utf8').then(
            (k) => k.trim(),
            () => undefined,
          )));
  const credential = anonymous
    ? 'nothing (anonymous)'
    : env.PIXELFORGE_API_KEY
      ? 'PIXELFORGE_API_KEY'
      : login
        ? `the login of ${login.email} (${credentialsFile(env)})`
        : key
          ? `the key in ${keyFile}`
          : 'nothing (anonymous)';

  /** The login's bearer header, renewed first when the access token ends within 30 seconds. */
  const bearer = async (): Promise<Record<string, string>> => {
    if (!login) return {};
    if (Date.parse(login.accessTokenExpiresAt) - Date.now() < 30_000) {
      const res = await fetch(`${baseUrl}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: login.refreshToken }),
      });
      if (!res.ok) {
        const email = login.email;
        await saveLogin(baseUrl, undefined, env);
        login = undefined;
        throw new PixelforgeError(
          ErrorCode.Unauthorized,
          `the login of ${email} at ${baseUrl} has ended: run \`pixelforge login\` again`,
        );
      }
      const session = (await res.json()) as Omit<StoredLogin, 'email'>;
      login = { ...login, ...pickLogin(session) };
      await saveLogin(baseUrl, login, env);
    }
    return { authorization: `Bearer ${login.accessToken}` };
  };
  /** fetch with the credential, a connection failure said in one sentence. */
  const send = async (path: string, init: RequestInit = {}): Promise<Response> => {
    try {
      return await fetch(baseUrl + path, {
        ...init,
        headers: {
          ...(key ? { 'x-api-key': key } : await bearer()),
          ...(init.headers as Record<string, string>),
        },
      });
    } catch (err) {
      if (err instanceof PixelforgeError) throw err;
      throw new PixelforgeError(
        ErrorCode.Unavailable,
        `cannot reach Pixelforge at ${baseUrl} (${(err as Error).cause ?? (err as Error).message}); is \`pixelforge up\` running?`,
      );
    }
  };
  return {
    baseUrl,
    credential,
    async call<T>(path: string, init: RequestInit = {}): Promise<T> {
      const res = await send(path, init);
      const text = await res.text();
      let body;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        throw new PixelforgeError(
          ErrorCode.Unavailable,
          `${baseUrl} answered HTTP ${res.status} with ${res.headers.get('content-type') ?? 'no content type'}, not Pixelforge's JSON; is PIXELFORGE_URL the Pixelforge API?`,
        );
      }
      if (res.status === 401 && !key && !login && !anonymous) {
        throw new PixelforgeError(
          ErrorCode.Unauthorized,
          `this needs a login or an API key: run \`pixelforge login\`, set PIXELFORGE_API_KEY, or run where \`pixelforge up\` wrote ${keyFile}`,
        );
      }
      if (!res.ok) {
        throw new PixelforgeError(
          (body?.code as Code) ?? ErrorCode.Internal,
          body?.message ?? `HTTP ${res.status}`,
          body?.details,
        );
      }
      return body as T;
    },
    async download(path, file, { overwrite = false } = {}) {
      if (!overwrite && (await exists(file)))
        throw new PixelforgeError(ErrorCode.Conflict, `${file} exists; pass --force to replace it`);
      const res = await send(path);
      if (!res.ok || !res.body) {
        const problem = (await res.json().catch(() => null)) as { code?: Code; message?: string } | null;
        throw new PixelforgeError(
          problem?.code ?? ErrorCode.Unavailable,
          problem?.message ?? `download failed: HTTP ${res.status}`,
        );
      }
      const partial = join(dirname(file), `.${basename(file)}.${process.pid}.part`);
      try {
        await pipeline(
          Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
          createWriteStream(partial),
        );
        await rename(partial, file);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
      return (await stat(file)).size;
    },
  };
}

/** The token fields of a session answer, as stored. */
export function pickLogin(session: Omit<StoredLogin, 'email'>): Omit<StoredLogin, 'email'> {
  return {
    accessToken: session.accessToken,
    accessTokenExpiresAt: session.accessTokenExpiresAt,
    refreshToken: session.refreshToken,
    refreshTokenExpiresAt: session.refreshTokenExpiresAt,
  };
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

/** The server's upload limits (GET /v1/info), or null from a server too old to say. */
export async function uploadLimits(
  client: ApiClient,
): Promise<{ maxUploadBytes: number; maxVideoBytes?: number } | null> {
  return client
    .call<{ limits: { maxUploadBytes: number; maxVideoBytes?: number } }>('/v1/info')
    .then((info) => info.limits)
    .catch((err: unknown) => {
      if (err instanceof PixelforgeError && err.code === ErrorCode.NotFound) return null;
      throw err;
    });
}

/** "12.3 MiB". */
export function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MiB`;
}

/** The reason a file of `size` bytes is not sent, or null when it fits `limit`. */
export function tooLarge(size: number, limit: number | undefined): string | null {
  return limit !== undefined && size > limit
    ? `too large: ${mebibytes(size)}, the server takes at most ${mebibytes(limit)}`
    : null;
}
