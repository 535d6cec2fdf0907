// Assembles the enhancement service of the ingress: requests published on NATS, reads from the `jobs`
// read model (waiting for its projector when a read would miss a fresh write), live events for SSE.
import type { Config } from '../config/config.ts';
import { createJobProjection } from '../adapters/mongo/job-projection.ts';
import { createNatsJobEventFeed } from '../adapters/nats/job-event-feed.ts';
import { createNatsPublisher } from '../adapters/nats/publisher.ts';
import { createWatermark } from '../adapters/nats/watermark.ts';
import { JOB_PROJECTION_CONSUMER } from '../controller/job-projection-consumer.ts';
import { STREAMS } from '../events/catalog.ts';
import { createEnhancementService, type EnhancementService } from '../jobs/enhancement-service.ts';
import type { Connections } from './connections.ts';
import { createModelRegistry } from '../adapters/onnx/model-registry.ts';
import { MODEL_ALIASES, resolveVariant } from '../enhance/model-catalogue.ts';
import { UnknownModelError, UnknownScaleError } from '../enhance/enhance-errors.ts';
import { ValidationError } from '../errors/errors.ts';

/**
 * Checks a requested model and scale against the installed manifests, as the worker will resolve them: an alias
 * passes when it names a model that has the scale on either kind of worker (CPU or GPU). With no models
 * installed where the ingress runs, nothing can be checked and the worker reports instead.
 */
function modelChecker(modelsDir: string) {
  const registry = createModelRegistry(modelsDir);
  return async (model: string, scale: number | undefined) => {
    const manifests = await registry.manifests();
    if (manifests.length === 0) return;
    let refusal: Error | undefined;
    for (const aliases of Object.values(MODEL_ALIASES)) {
      try {
        resolveVariant(manifests, model, scale, aliases);
        return;
      } catch (err) {
        refusal ??= err as Error;
      }
    }
    if (refusal instanceof UnknownModelError)
      throw new ValidationError(
        `model ${JSON.stringify(model)} is not installed; choose one of ${[...Object.keys(MODEL_ALIASES.cpu), ...manifests.map((m) => m.name).sort()].join(', ')}`,
        refusal.details,
      );
    if (refusal instanceof UnknownScaleError) {
      const { available } = refusal.details as { available: number[] };
      throw new ValidationError(
        `scale ${scale} is not one of ${model}'s native scales (${available.join(', ')}); use outscale for other sizes`,
        refusal.details,
      );
    }
    throw refusal!;
  };
}

/** The service behind /v1/enhancements over open connections. */
export function buildEnhancementService(config: Config, conn: Connections): EnhancementService {
  const jobsApplied = createWatermark(conn.bus.jsm, STREAMS.jobs.name, JOB_PROJECTION_CONSUMER);
  const imageKnown = async (imageId: string) =>
    (await conn.models.images.countDocuments({ _id: imageId }, { limit: 1 })) > 0;
  const videoKnown = async (videoId: string) =>
    (await conn.models.videos.countDocuments({ _id: videoId }, { limit: 1 })) > 0;
  const caughtUpWithMedia = async () =>
    conn.progress.waitFor(await conn.progress.latestPublished(), config.PIXELFORGE_READ_WAIT_MS);
  return createEnhancementService({
    events: createNatsPublisher(conn.bus.js, { source: 'pixelforge/ingress' }),
    reads: createJobProjection(conn.mongo.db),
    feed: createNatsJobEventFeed(conn.bus.nc),
    // An image uploaded a moment ago may not be projected yet: wait for the projector before saying 404.
    imageExists: async (imageId) =>
      (await imageKnown(imageId)) || ((await caughtUpWithMedia()) && (await imageKnown(imageId))),
    videoExists: async (videoId) =>
      (await videoKnown(videoId)) || ((await caughtUpWithMedia()) && (await videoKnown(videoId))),
    checkModel: modelChecker(config.PIXELFORGE_MODELS_DIR),
    caughtUp: async (timeoutMs) => {
      const latest = (await conn.bus.jsm.streams.info(STREAMS.jobs.name)).state.last_seq;
      return jobsApplied.waitFor(latest, timeoutMs).catch(() => false);
    },
    readWaitMs: config.PIXELFORGE_READ_WAIT_MS,
  });
}
