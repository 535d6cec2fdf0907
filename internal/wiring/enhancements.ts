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
import { modelChecker } from './model-check.ts';

/** The service behind /v1/enhancements over open connections. */
export function buildEnhancementService(config: Config, conn: Connections): EnhancementService {
  const jobsApplied = createWatermark(conn.bus.jsm, STREAMS.jobs.name, JOB_PROJECTION_CONSUMER);
  const imageKnown = async (imageId: string) =>
    (await conn.models.images.findOne({ _id: imageId }, { projection: { owner: 1 } })) ?? undefined;
  const videoKnown = async (videoId: string) =>
    (await conn.models.videos.findOne({ _id: videoId }, { projection: { owner: 1 } })) ?? undefined;
  const caughtUpWithMedia = async () =>
    conn.progress.waitFor(await conn.progress.latestPublished(), config.PIXELFORGE_READ_WAIT_MS);
  return createEnhancementService({
    events: createNatsPublisher(conn.bus.js, { source: 'pixelforge/ingress' }),
    reads: createJobProjection(conn.mongo.db),
    feed: createNatsJobEventFeed(conn.bus),
    // An image uploaded a moment ago may not be projected yet: wait for the projector before saying 404.
    imageOwner: async (imageId) =>
      (await imageKnown(imageId)) ?? ((await caughtUpWithMedia()) ? await imageKnown(imageId) : undefined),
    videoOwner: async (videoId) =>
      (await videoKnown(videoId)) ?? ((await caughtUpWithMedia()) ? await videoKnown(videoId) : undefined),
    checkModel: modelChecker(config.PIXELFORGE_MODELS_DIR),
    caughtUp: async (timeoutMs) => {
      const latest = (await conn.bus.jsm.streams.info(STREAMS.jobs.name)).state.last_seq;
      return jobsApplied.waitFor(latest, timeoutMs).catch(() => false);
    },
    readWaitMs: config.PIXELFORGE_READ_WAIT_MS,
  });
}
