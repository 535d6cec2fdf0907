// Runs one EnhancementJob: read the source image, enhance it, store the output, and report through events.
// Video jobs go through run-video-job.ts.
import { Readable } from 'node:stream';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Enhancer } from '../ports/enhancer.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import type { OutputFormat } from '../jobs/spec.ts';
import { WorkerExit, jobOutputKey, type WorkerJob } from '../jobs/worker-contract.ts';
import { CancelledError } from '../errors/errors.ts';
import type { Logger } from '../telemetry/logger.ts';
import { SourceNotFoundError, UnsupportedSourceError, classifyJobError } from './job-failure.ts';
import { createProgressReporter } from './progress-reporter.ts';
import { cancelledBy } from '../enhance/run-tiles.ts';
import { enhanceVideoAndStore, type RunsOn, type VideoJobDeps } from './run-video-job.ts';

/** Finds the stored bytes of an uploaded image. */
export interface ImageSources {
  /** The blob key of image `imageId`, or null when there is no such image (never uploaded, or deleted). */
  blobKeyOf(imageId: string): Promise<string | null>;
}

export interface RunJobDeps {
  enhancer: Enhancer;
  blobs: BlobStore;
  events: EventPublisher;
  images: ImageSources;
  /** Video jobs: absent in a worker built without ffmpeg, which then refuses them. */
  video?: Omit<VideoJobDeps, 'enhancer' | 'blobs' | 'events' | 'logger'>;
  logger: Logger;
  /** Least time between two progress events, in ms (default 500). */
  progressIntervalMs?: number;
  /** Where this worker runs, for the finished job: the provider and the device in words. */
  runsOn?: RunsOn;
}

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
};

/**
 * Runs `job` to the end and resolves with the process's exit code; it never throws. Every event id is derived
 * from the job id and attempt, so a publish retried by a crashed-and-restarted attempt is stored once.
 */
export async function runJob(deps: RunJobDeps, job: WorkerJob, signal?: AbortSignal): Promise<WorkerExit> {
  const { events, logger } = deps;
  const { PIXELFORGE_JOB_ID: jobId, PIXELFORGE_JOB_ATTEMPT: attempt } = job;
  const idOf = (what: string) => `${jobId}-a${attempt}-${what}`;
  try {
    await enhanceAndStore(deps, job, signal);
    return WorkerExit.Succeeded;
  } catch (err) {
    // Once stopped, whatever broke next (an ffmpeg killed with it, a pipe closed) was the stop.
    const outcome = classifyJobError(signal?.aborted ? cancelledBy(signal) : err);
    try {
      if (outcome.kind === 'cancelled') {
        logger.warn('job cancelled', { reason: outcome.reason });
        await events.publish(
          'pf.job.cancelled',
          jobId,
          { jobId, reason: outcome.reason },
          { id: idOf('cancelled') },
        );
      } else {
        logger.error('job failed', {
          code: outcome.code,
          reason: outcome.reason,
          retryable: outcome.retryable,
          err,
        });
        const { code, reason, retryable } = outcome;
        await events.publish(
          'pf.job.failed',
          jobId,
          { jobId, code, reason: reason.slice(0, 2000), retryable },
          { id: idOf('failed') },
        );
      }
    } catch (publishErr) {
      // The exit code still tells the controller what happened; the event is a courtesy it can rebuild.
      logger.error('could not publish the outcome', { err: publishErr });
    }
    return outcome.exit;
  }
}

async function enhanceAndStore(deps: RunJobDeps, job: WorkerJob, signal?: AbortSignal): Promise<void> {
  const { enhancer, blobs, events, images, logger } = deps;
  const { PIXELFORGE_JOB_ID: jobId, PIXELFORGE_JOB_ATTEMPT: attempt, PIXELFORGE_JOB_SPEC: spec } = job;
  if (spec.cancel) throw new CancelledError('the job was cancelled before it started');
  if (signal?.aborted) throw new CancelledError('the worker was stopped before the job started');
  const progressIn = (unit: 'tiles' | 'frames') =>
    createProgressReporter({
      publish: (done, total) =>
        events.publish(
          'pf.job.progress',
          jobId,
          { jobId, done, total, unit },
          { id: `${jobId}-a${attempt}-progress-${done}` },
        ),
      onError: (err) => logger.warn('progress event not published', { err }),
      ...(deps.progressIntervalMs === undefined ? {} : { minIntervalMs: deps.progressIntervalMs }),
    });
  if ('videoId' in spec.source && deps.video) {
    return enhanceVideoAndStore(
      { ...deps.video, enhancer, blobs, events, logger, ...(deps.runsOn ? { runsOn: deps.runsOn } : {}) },
      job,
      progressIn('frames'),
      signal,
    );
  }
  if (!('imageId' in spec.source)) throw new UnsupportedSourceError(Object.keys(spec.source)[0] ?? 'unknown');
  const imageId = spec.source.imageId;
  const blobKey = await images.blobKeyOf(imageId);
  if (!blobKey) throw new SourceNotFoundError(imageId);

  const progress = progressIn('tiles');
  logger.info('enhancing', { imageId, model: spec.model, scale: spec.scale, attempt });
  const { data, info } = await enhancer.enhance(
    await blobs.get(blobKey),
    {
      model: spec.model,
      ...(spec.scale === undefined ? {} : { scale: spec.scale }),
      ...(spec.outscale === undefined ? {} : { outscale: spec.outscale }),
      ...(spec.size ? { size: spec.size } : {}),
      ...(spec.tile ? { tile: spec.tile } : {}),
      output: spec.output,
    },
    { signal, onProgress: (done, total) => progress.report(done, total) },
  );
  await progress.flush();
  // Honour a stop that arrived during the last tile or the encode: nothing has been written yet.
  if (signal?.aborted) throw new CancelledError('the worker was stopped before the output was stored');

  const key = jobOutputKey(jobId);
  const contentType = CONTENT_TYPES[info.format];
  // A previous attempt may have stored its output before dying; the key is fixed, so replace it.
  await blobs.delete(key);
  const stored = await blobs.put(Readable.from([data]), {
    key,
    contentType,
    metadata: { jobId, imageId, attempt: String(attempt) },
  });
  const output = {
    blobKey: key,
    contentType,
    size: stored.size,
    width: info.width,
    height: info.height,
    sha256: stored.sha256,
  };
  await events.publish(
    'pf.image.variant_added',
    imageId,
    { imageId, variant: { name: key, kind: 'enhanced', ...output, jobId, model: info.model } },
    { id: `${jobId}-variant` },
  );
  await events.publish(
    'pf.job.succeeded',
    jobId,
    {
      jobId,
      imageId,
      output,
      model: info.model,
      durationMs: Math.round(info.durationMs),
      provider: info.provider,
      ...(deps.runsOn ? { device: deps.runsOn.device } : {}),
    },
    { id: `${jobId}-a${attempt}-succeeded` },
  );
  logger.info('job succeeded', {
    blobKey: key,
    width: info.width,
    height: info.height,
    durationMs: Math.round(info.durationMs),
    tiles: info.tiles,
  });
}
