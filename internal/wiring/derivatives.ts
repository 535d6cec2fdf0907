// Assembles the derivatives consumers (the WebP of every image upload, the poster of every video) over open
// connections.
import type { Config } from '../config/config.ts';
import { startConsumer } from '../adapters/nats/consumer.ts';
import { createNatsPublisher } from '../adapters/nats/publisher.ts';
import { webpDerivativeConsumer } from '../derivatives/webp-derivative.ts';
import { videoPosterConsumer } from '../derivatives/video-poster.ts';
import { extractFrameOf, posterTime } from '../adapters/ffmpeg/poster-frame.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { Connections } from './connections.ts';
import { enhancerFromConfig } from './enhancer.ts';

export interface RunningDerivatives {
  /** Drains the deliveries in flight, then releases the engine. */
  stop(): Promise<void>;
}

/**
 * Starts the WebP derivative and video poster consumers, or nothing when PIXELFORGE_WEBP_DERIVATIVE is false. Safe to start in
 * several processes: they share one durable consumer, and every write is idempotent.
 */
export async function startDerivatives(
  config: Config,
  conn: Connections,
  logger: Logger,
): Promise<RunningDerivatives> {
  const log = logger.child({ component: 'derivatives' });
  if (!config.PIXELFORGE_WEBP_DERIVATIVE) {
    log.info('WebP derivatives are off (PIXELFORGE_WEBP_DERIVATIVE=false)');
    return { stop: async () => {} };
  }
  // Conversion needs no model; the engine's sessions are created lazily, so this loads none.
  const enhancer = enhancerFromConfig(config);
  const posters = await startConsumer(
    conn.bus,
    videoPosterConsumer({
      blobs: conn.blobs,
      frameOf: (source, at) => extractFrameOf(source, at),
      posterTime,
      converter: enhancer,
      events: createNatsPublisher(conn.bus.js, { source: 'pixelforge/derivatives' }),
      isDeleted: async ({ videoId, blobKey }) =>
        (await conn.models.videoTombstones.findOne({ _id: videoId }, { projection: { _id: 1 } })) !== null ||
        (await conn.blobs.stat(blobKey)) === null,
      logger: log,
    }),
    { logger: log },
  );
  const consumer = await startConsumer(
    conn.bus,
    webpDerivativeConsumer({
      blobs: conn.blobs,
      converter: enhancer,
      events: createNatsPublisher(conn.bus.js, { source: 'pixelforge/derivatives' }),
      isDeleted: async ({ imageId, blobKey }) =>
        (await conn.models.tombstones.findOne({ _id: imageId }, { projection: { _id: 1 } })) !== null ||
        (await conn.blobs.stat(blobKey)) === null,
      logger: log,
    }),
    { logger: log },
  );
  return {
    async stop() {
      await Promise.all([consumer.stop(), posters.stop()]);
      await enhancer.close();
    },
  };
}
