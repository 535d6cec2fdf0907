// Assembles a one-job worker process: the job from the environment, connections, one engine, runJob.
import { loadConfig, type Config } from '../config/config.ts';
import { enhancerFromConfig } from './enhancer.ts';
import { describeGpuEnvironment, deviceOf } from '../adapters/onnx/gpu-environment.ts';
import { createNatsPublisher } from '../adapters/nats/publisher.ts';
import { WorkerExit, WorkerJobEnv } from '../jobs/worker-contract.ts';
import { createLogger } from '../telemetry/logger.ts';
import { runJob, type ImageSources } from '../worker/run-job.ts';
import type { VideoSources } from '../worker/run-video-job.ts';
import { upscaleVideo } from '../adapters/ffmpeg/video-pipeline.ts';
import { videoLimitsOf } from './video-limits.ts';
import { modelForName } from '../enhance/model-catalogue.ts';
import { openConnections, type Connections } from './connections.ts';

/** Image lookup over the read model, falling back to the blob an upload stores under the image id. */
export function imageSourcesOf(conn: Connections): ImageSources {
  return {
    async blobKeyOf(imageId) {
      const doc = await conn.models.images.findOne({ _id: imageId }, { projection: { blobKey: 1 } });
      if (doc) return doc.blobKey;
      // The projector may not have caught up with a fresh upload; a deleted image has a tombstone.
      if (await conn.models.tombstones.findOne({ _id: imageId }, { projection: { _id: 1 } })) return null;
      return (await conn.blobs.stat(imageId)) ? imageId : null;
    },
  };
}

/** Video lookup over the read model, like imageSourcesOf. */
export function videoSourcesOf(conn: Connections): VideoSources {
  return {
    async blobKeyOf(videoId) {
      const doc = await conn.models.videos.findOne({ _id: videoId }, { projection: { blobKey: 1 } });
      if (doc) return doc.blobKey;
      if (await conn.models.videoTombstones.findOne({ _id: videoId }, { projection: { _id: 1 } }))
        return null;
      return (await conn.blobs.stat(videoId)) ? videoId : null;
    },
  };
}

/**
 * Runs the job described by `env` (the worker contract) and resolves with the exit code. Configuration and
 * contract errors are permanent (running the same pod again cannot fix them); unreachable servers are retryable.
 */
export async function runWorkerJob(env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<WorkerExit> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    createLogger().error('invalid configuration', { err });
    return WorkerExit.Permanent;
  }
  const base = createLogger({ level: config.LOG_LEVEL, fields: { process: 'worker' } });
  const parsed = WorkerJobEnv.safeParse(env);
  if (!parsed.success) {
    base.error('invalid job environment', {
      problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
    });
    return WorkerExit.Permanent;
  }
  const job = parsed.data;
  const logger = base.child({ jobId: job.PIXELFORGE_JOB_ID, attempt: job.PIXELFORGE_JOB_ATTEMPT });
  let conn: Connections;
  try {
    conn = await openConnections(config, 'worker');
  } catch (err) {
    logger.error('cannot reach NATS or MongoDB; the job can be retried', { err });
    return WorkerExit.Retryable;
  }
  const enhancer = enhancerFromConfig(config);
  const videoLimits = videoLimitsOf(config);
  // Which provider really runs, and on what: a GPU pod that only finds lavapipe renders on its CPU.
  const environment = await describeGpuEnvironment(config.PIXELFORGE_PROVIDER);
  logger.info('inference provider', { ...environment });
  try {
    return await runJob(
      {
        enhancer,
        blobs: conn.blobs,
        events: createNatsPublisher(conn.bus.js, { source: 'pixelforge/worker' }),
        images: imageSourcesOf(conn),
        video: {
          videos: videoSourcesOf(conn),
          upscale: upscaleVideo,
          limits: videoLimits,
          resolveModel: (name) => modelForName(name, config.PIXELFORGE_PROVIDER),
        },
        logger,
        runsOn: { provider: config.PIXELFORGE_PROVIDER, device: deviceOf(environment) },
      },
      job,
      signal,
    );
  } finally {
    await enhancer.close().catch((err: Error) => logger.warn('closing the engine failed', { err }));
    await conn.close();
  }
}
