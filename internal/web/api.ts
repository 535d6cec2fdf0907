// The browser's side of the HTTP API: the login, JSON calls, uploads with progress, and job event streams.
// The shapes below are the wire JSON of /openapi.json: the image's from the server's schema, the others
// narrowed to what the pages read.
import type { ImageJson } from '../http/schemas.ts';

/** An image and its variants, as the API sends them (the server's own schema: the import is types only). */
export type Image = ImageJson;
export type Variant = Image['variants'][number];

export interface Video {
  id: string;
  filename: string;
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  url: string;
  posterUrl: string | null;
  variants: { kind: string; url: string; width: number; height: number }[];
}

export interface Group {
  id: string;
  name: string;
  count: number;
  latestChangeAt: string;
  images: Image[];
}

export interface Progress {
  done: number;
  total: number;
  unit: string;
}

export interface Job {
  id: string;
  imageId: string | null;
  videoId: string | null;
  model: string | null;
  phase: Phase;
  progress: Progress | null;
  attempts: number;
  cancelRequested: boolean;
  output: { contentType: string; size: number; width: number; height: number } | null;
  outputUrl: string | null;
  error: { code: string; reason: string; retryable: boolean } | null;
  createdAt: string;
  completedAt: string | null;
  durationMs: number | null;
  provider: string | null;
  device: string | null;
}

export interface Model {
  name: string;
  kind: 'photo' | 'anime' | 'video' | string;
  scales: number[];
  defaultScale: number;
  recommendedProvider: string;
  description?: string;
}

export interface Info {
  version: string;
  limits: { maxUploadBytes: number; maxPixels: number; maxVideoBytes?: number };
}

export const STATUSES = ['new', 'review', 'accepted', 'deleted'] as const;
export type Status = (typeof STATUSES)[number];
export const PHASES = ['Pending', 'Scheduled', 'Running', 'Succeeded', 'Failed', 'Cancelled'] as const;
export type Phase = (typeof PHASES)[number];
export const ENDED: readonly Phase[] = ['Succeeded', 'Failed', 'Cancelled'];

/** An answer other than 2xx, with the API's problem code and sentence. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Who the browser is logged in as (GET /v1/auth/session). */
export interface Caller {
  actor: string;
  role: 'admin' | 'reviewer' | 'user' | 'anonymous';
  user: { id: string; email: string; role: string } | null;
  /** When the access cookie ends; null for a key session. */
  expiresAt: string | null;
}

/**
 * The login lives in HttpOnly cookies the server sets (/v1/auth/session): no script, this page's included,
 * can read a token or a key. The page only renews the access cookie before it ends, and once after a 401.
 */
let renewal: ReturnType<typeof setTimeout> | undefined;
function renewBefore(caller: Caller): Caller {
  clearTimeout(renewal);
  if (caller.expiresAt) {
    const due = Math.max(5_000, new Date(caller.expiresAt).getTime() - Date.now() - 60_000);
    renewal = setTimeout(() => void renew(), due);
  }
  return caller;
}

/** Renews the access cookie with the refresh cookie; false when there is no login to renew. */
async function renew(): Promise<boolean> {
  const res = await fetch('/v1/auth/session/refresh', { method: 'POST' });
  if (!res.ok) return false;
  renewBefore((await res.json()) as Caller);
  return true;
}

async function sessionCall(method: string, body?: unknown): Promise<Caller> {
  const res = await fetch('/v1/auth/session', {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) throw await problem(res);
  return renewBefore((await res.json()) as Caller);
}

export const session = {
  /** The caller, renewing an ended access cookie once; null when nobody is logged in. */
  async current(): Promise<Caller | null> {
    try {
      return await sessionCall('GET');
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) throw err;
      return (await renew()) ? sessionCall('GET') : null;
    }
  },
  login: (email: string, password: string) => sessionCall('POST', { email, password }),
  loginWithKey: (apiKey: string) => sessionCall('POST', { apiKey }),
  async register(email: string, password: string): Promise<Caller> {
    await api('/v1/auth/register', { method: 'POST', json: { email, password } });
    return session.login(email, password);
  },
  async logout(): Promise<void> {
    clearTimeout(renewal);
    await fetch('/v1/auth/session', { method: 'DELETE' });
  },
};

/**
 * The highest sequence of the images stream (images, groups, videos) this page wrote: reads pass it as ?after=
 * to see their own writes. Job writes answer a sequence of the jobs stream, which `after` does not count in.
 */
let lastSeq = 0;
const IMAGES_STREAM = /^\/v1\/(images|groups|videos)\b/;
const noteWrite = (path: string, seq: number | undefined) => {
  if (IMAGES_STREAM.test(path) && typeof seq === 'number' && seq > lastSeq) lastSeq = seq;
};
export const after = (sep: '?' | '&') => (lastSeq ? `${sep}after=${lastSeq}` : '');

async function problem(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { code?: string; message?: string };
    return new ApiError(res.status, body.code ?? 'error', body.message ?? res.statusText);
  } catch {
    return new ApiError(res.status, 'error', `${res.status} ${res.statusText}`);
  }
}

/** A JSON call; writes remember their sequence so the next read includes them. */
export async function api<T>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> {
  const send = () =>
    fetch(path, {
      method: init.method ?? 'GET',
      headers: init.json === undefined ? {} : { 'content-type': 'application/json' },
      body: init.json === undefined ? null : JSON.stringify(init.json),
    });
  let res = await send();
  // An access cookie that ended while the page slept: renew it once and ask again.
  if (res.status === 401 && !path.startsWith('/v1/auth/') && (await renew())) res = await send();
  if (!res.ok) throw await problem(res);
  if (res.status === 204) {
    // A 204 has no body: a delete gives its sequence in a header.
    noteWrite(path, Number(res.headers.get('pixelforge-seq') ?? undefined) || undefined);
    return undefined as T;
  }
  const body = (await res.json()) as T & { seq?: number };
  noteWrite(path, body.seq);
  return body;
}

/** Uploads one file as multipart with progress (fetch cannot report upload progress; XMLHttpRequest can). */
export function upload<T>(
  path: string,
  file: File,
  fields: Record<string, string>,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the server could not be reached'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'cancelled'));
    xhr.onload = () => {
      let body: { code?: string; message?: string; seq?: number } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // An answer that is not JSON (a proxy's error page) is reported by its status below.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        noteWrite(path, body.seq);
        resolve(body as T);
      } else
        reject(
          new ApiError(xhr.status, body.code ?? 'error', body.message ?? `${xhr.status} ${xhr.statusText}`),
        );
    };
    signal?.addEventListener('abort', () => xhr.abort());
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) if (value) form.append(name, value);
    form.append('file', file);
    xhr.send(form);
  });
}

/** A job's events (snapshot first, then each lifecycle event) until it ends; returns the closer. */
export function followJob(id: string, onJob: (job: Job) => void): () => void {
  const source = new EventSource(`/v1/enhancements/${encodeURIComponent(id)}/events`);
  let job: Job | null = null;
  const update = (patch: Partial<Job>) => {
    if (!job) return;
    job = { ...job, ...patch };
    onJob(job);
    if (ENDED.includes(job.phase)) source.close();
  };
  source.addEventListener('snapshot', (e) => {
    job = JSON.parse((e as MessageEvent<string>).data) as Job;
    onJob(job);
    if (ENDED.includes(job.phase)) source.close();
  });
  const data = (e: Event) => JSON.parse((e as MessageEvent<string>).data) as Record<string, unknown>;
  source.addEventListener('pf.job.scheduled', (e) =>
    update({ phase: 'Scheduled', attempts: Number(data(e).attempt) }),
  );
  source.addEventListener('pf.job.started', () => update({ phase: 'Running' }));
  source.addEventListener('pf.job.progress', (e) => {
    const d = data(e);
    update({
      phase: 'Running',
      progress: { done: Number(d.done), total: Number(d.total), unit: String(d.unit) },
    });
  });
  source.addEventListener('pf.job.failed', (e) => {
    const d = data(e);
    // A retryable failure is followed by another attempt; only the controller's verdict ends the job.
    if (d.retryable === false) update({ phase: 'Failed', error: d as unknown as Job['error'] });
  });
  source.addEventListener('pf.job.cancelled', () => update({ phase: 'Cancelled' }));
  source.addEventListener('pf.job.succeeded', () => {
    source.close();
    void finished(id).then((done) => update({ ...done, phase: 'Succeeded' }));
  });
  return () => source.close();
}

/** The finished job as the read model has it (output URL, duration), once the projection has caught up. */
async function finished(id: string): Promise<Partial<Job>> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const job = await api<Job>(`/v1/enhancements/${encodeURIComponent(id)}`).catch(() => null);
    if (job?.phase === 'Succeeded') return job;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {};
}

/** "12.3 MiB", "640 KiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
