// `pixelforge enhance --remote <imageId>`: asks the server to enhance an uploaded image and follows the job
// until it ends, for the enhance command to call (it owns the flags; this owns the HTTP conversation).
import { PixelforgeError, ErrorCode } from '../errors/errors.ts';
import type { ApiClient } from './client.ts';

/** A job as GET /v1/enhancements/:id returns it (the fields the CLI shows). */
export interface RemoteJob {
  id: string;
  phase: 'Pending' | 'Scheduled' | 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';
  progress: { done: number; total: number; unit: string } | null;
  attempts: number;
  outputUrl: string | null;
  output: { contentType: string; size: number; width: number; height: number } | null;
  error: { code: string; reason: string } | null;
  /** Finished jobs: how long the worker took, and its provider and device. */
  durationMs?: number | null;
  provider?: string | null;
  device?: string | null;
}

/** The request body of POST /v1/enhancements: an imageId or a videoId. */
export interface RemoteEnhanceRequest {
  imageId?: string;
  videoId?: string;
  model: string;
  scale?: number;
  outscale?: number;
  size?: { width?: number; height?: number; fit?: 'inside' | 'cover' | 'fill' };
  tile?: { size: number; pad?: number };
  output?: { format?: string; quality?: number };
  video?: { container?: string; codec?: string; crf?: number; preset?: string; segmentSeconds?: number };
  priority?: number;
}

/** Options of {@link remoteEnhance}. */
export interface RemoteEnhanceOptions {
  /** Called whenever the job's phase or progress changes. */
  onUpdate?: (job: RemoteJob) => void;
  /** Poll period (default 500 ms): plain GETs work through any proxy, unlike a long-lived SSE stream. */
  pollMs?: number;
  /** Stop waiting after this long (default: no limit). */
  timeoutMs?: number;
}

const FINISHED = new Set(['Succeeded', 'Failed', 'Cancelled']);

/** Requests the enhancement and resolves with the finished job; a Failed or Cancelled job is returned, not thrown. */
export async function remoteEnhance(
  client: ApiClient,
  request: RemoteEnhanceRequest,
  { onUpdate, pollMs = 500, timeoutMs = Infinity }: RemoteEnhanceOptions = {},
): Promise<RemoteJob> {
  const { id } = await client.call<{ id: string }>('/v1/enhancements', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const job = await client.call<RemoteJob>(`/v1/enhancements/${id}`).catch((err: unknown) => {
      // The read model may lag the request by a moment.
      if (err instanceof PixelforgeError && err.code === ErrorCode.NotFound) return null;
      throw err;
    });
    if (job) {
      const seen = `${job.phase}:${job.progress?.done}/${job.progress?.total}`;
      if (seen !== last) onUpdate?.(job);
      last = seen;
      if (FINISHED.has(job.phase)) return job;
    }
    if (Date.now() > deadline) {
      throw new PixelforgeError(ErrorCode.Timeout, `enhancement ${id} did not finish in ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Streams a job's output into `file` (a video can be gigabytes: never held in memory). */
export async function downloadOutputTo(client: ApiClient, job: RemoteJob, file: string): Promise<void> {
  if (!job.outputUrl) throw new PixelforgeError(ErrorCode.NotFound, `enhancement ${job.id} has no output`);
  await client.download(job.outputUrl, file, { overwrite: true });
}
