// Runs a video EnhancementJob: the stored video is fetched to a private work directory, every frame goes
// through the engine on pipes (internal/ports/video-upscaler.ts), finished segments are kept in the blob store
// so that a later attempt after a lost worker redoes at most the one in flight, and the result becomes a
// variant of the video.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { CancelledError, ValidationError } from '../errors/errors.ts';
import { UnknownModelError } from '../enhance/enhance-errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Enhancer } from '../ports/enhancer.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import type { SegmentStore, VideoLimits, VideoUpscaler } from '../ports/video-upscaler.ts';
import { VideoOutputOptions, type EnhancementSpec } from '../jobs/spec.ts';
import { SEGMENT_OF, jobOutputKey, type WorkerJob } from '../jobs/worker-contract.ts';
import type { Logger } from '../telemetry/logger.ts';
import { SourceNotFoundError } from './job-failure.ts';
import type { ProgressReporter } from './progress-reporter.ts';

export interface VideoSources {
  /** The blob key of video `videoId`, or null when there is no such video (never uploaded, or deleted). */
  blobKeyOf(videoId: string): Promise<string | null>;
}

/** Where a worker runs, for the finished job: the provider and the device in words. */
export interface RunsOn {
  provider: string;
  device: string;
}

export interface VideoJobDeps {
  enhancer: Enhancer;
  blobs: BlobStore;
  events: EventPublisher;
  videos: VideoSources;
  upscale: VideoUpscaler;
  limits?: VideoLimits;
  /** The model an alias (`video`, `auto`…) stands for on this worker's provider; other names as they are. */
  resolveModel?: (name: string) => string;
  logger: Logger;
  /** Where the work directory is made (default: the OS temporary directory). */
  tmpDir?: string;
  /** Where this worker runs, for the finished job. */
  runsOn?: RunsOn;
}

export const VIDEO_CONTENT_TYPES = { mkv: 'video/x-matroska', mp4: 'video/mp4' } as const;

/** The key prefix of a job's segments; the digest changes with anything that changes the frames. */
export function segmentKeyPrefix(jobId: string, spec: EnhancementSpec): string {
  const { source, model, scale, tile, video } = spec;
  const digest = createHash('sha256')
    .update(JSON.stringify({ source, model, scale, tile, video: VideoOutputOptions.parse(video ?? {}) }))
    .digest('hex')
    .slice(0, 12);
  return `${jobId}-segment-${digest}-`;
}

/** Segments as blobs: stored when finished, fetched by a later attempt, removed once the output is stored. */
function blobSegmentStore(
  blobs: BlobStore,
  prefix: string,
  jobId: string,
): SegmentStore & { keys: Set<string> } {
  const keys = new Set<string>();
  const keyOf = (index: number) => `${prefix}${String(index).padStart(6, '0')}`;
  return {
    keys,
    async load(index, file) {
      const key = keyOf(index);
      if (!(await blobs.stat(key))) return false;
      await pipeline(await blobs.get(key), createWriteStream(file, { mode: 0o600 }));
      keys.add(key);
      return true;
    },
    async save(index, file, frames) {
      const key = keyOf(index);
      await blobs.delete(key);
      await blobs.put(createReadStream(file), {
        key,
        contentType: 'video/x-matroska',
        metadata: { [SEGMENT_OF]: jobId, frames: String(frames) },
      });
      keys.add(key);
    },
  };
}

/** Runs the video job; progress is in frames. Throws what runJob classifies. */
export async function enhanceVideoAndStore(
  deps: VideoJobDeps,
  job: WorkerJob,
  progress: ProgressReporter,
  signal?: AbortSignal,
): Promise<void> {
  const { enhancer, blobs, events, videos, logger } = deps;
  const { PIXELFORGE_JOB_ID: jobId, PIXELFORGE_JOB_ATTEMPT: attempt, PIXELFORGE_JOB_SPEC: spec } = job;
  if (!('videoId' in spec.source)) throw new Error('enhanceVideoAndStore needs a videoId source');
  const { videoId } = spec.source;
  if (spec.outscale !== undefined || spec.size !== undefined)
    throw new ValidationError('outscale and size are not supported for videos yet; choose the model scale');
  const video = VideoOutputOptions.parse(spec.video ?? {});
  const blobKey = await videos.blobKeyOf(videoId);
  if (!blobKey) throw new SourceNotFoundError(videoId, 'video');
  const modelName = deps.resolveModel?.(spec.model) ?? spec.model;
  const installed = await enhancer.models();
  const model = installed.find((m) => m.name === modelName);
  if (!model)
    throw new UnknownModelError(
      modelName,
      installed.map((m) => m.name),
    );
  // An unknown scale is reported by the engine on the first frame, with the choices.
  const scale = spec.scale ?? model.defaultScale;

  const work = await mkdtemp(path.join(deps.tmpDir ?? tmpdir(), `pf-video-${jobId}-`));
  try {
    const input = path.join(work, 'source');
    await pipeline(await blobs.get(blobKey), createWriteStream(input, { mode: 0o600 }));
    const output = path.join(work, `output.${video.container}`);
    const segments = blobSegmentStore(blobs, segmentKeyPrefix(jobId, spec), jobId);
    logger.info('enhancing video', { videoId, model: modelName, scale, attempt, ...video });
    const started = performance.now();
    let inferenceMs = 0;
    const result = await deps.upscale({
      input,
      output,
      workDir: work,
      scale,
      codec: video.codec,
      crf: video.crf,
      preset: video.preset,
      segmentSeconds: video.segmentSeconds,
      segments,
      ...(deps.limits ? { limits: deps.limits } : {}),
      ...(signal ? { signal } : {}),
      transform: async (rgb, width, height) => {
        if (signal?.aborted) throw new CancelledError('the worker was stopped');
        const t = performance.now();
        const out = await enhancer.enhancePixels(
          { data: rgb, width, height, channels: 3 },
          { model: modelName, scale, ...(spec.tile ? { tile: spec.tile } : {}) },
          signal ? { signal } : {},
        );
        inferenceMs += performance.now() - t;
        return out.data;
      },
      onProgress: (done, total) => progress.report(done, total),
      onSegment: (index, reused) => logger.debug('segment done', { index, reused }),
    });
    await progress.flush();
    if (signal?.aborted) throw new CancelledError('the worker was stopped before the output was stored');

    const key = jobOutputKey(jobId);
    const contentType = VIDEO_CONTENT_TYPES[video.container];
    await blobs.delete(key);
    const stored = await blobs.put(createReadStream(output), {
      key,
      contentType,
      metadata: { jobId, videoId, attempt: String(attempt) },
    });
    const { width, height } = result;
    const out = { blobKey: key, contentType, size: stored.size, width, height, sha256: stored.sha256 };
    await events.publish(
      'pf.video.variant_added',
      videoId,
      { videoId, variant: { name: key, kind: 'enhanced', ...out, jobId, model: modelName } },
      { id: `${jobId}-variant` },
    );
    const durationMs = Math.round(performance.now() - started);
    await events.publish(
      'pf.job.succeeded',
      jobId,
      {
        jobId,
        videoId,
        output: out,
        model: modelName,
        durationMs,
        ...(deps.runsOn ? { provider: deps.runsOn.provider, device: deps.runsOn.device } : {}),
        video: {
          frames: result.frames,
          transformed: result.transformed,
          segments: result.segments,
          reusedSegments: result.reusedSegments,
          inferenceShare: durationMs > 0 ? Math.min(1, inferenceMs / durationMs) : 0,
          notes: result.notes,
        },
      },
      { id: `${jobId}-a${attempt}-succeeded` },
    );
    logger.info('video job succeeded', { blobKey: key, durationMs, ...result });
    // The output is stored and announced: the segments have done their work.
    for (const segment of segments.keys) await blobs.delete(segment);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
