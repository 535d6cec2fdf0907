// The poster of every video upload: one frame as a WebP variant, for listings and the player's placeholder.
import { Readable } from 'node:stream';
import { NotFoundError } from '../errors/errors.ts';
import { STREAMS, type EventOf } from '../events/catalog.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Enhancer } from '../ports/enhancer.ts';
import { ack, reject, type ConsumerSpec, type EventPublisher } from '../ports/event-bus.ts';
import type { Logger } from '../telemetry/logger.ts';
import { POSTER_VARIANT } from '../videos/video.ts';

export const VIDEO_POSTER_CONSUMER = 'derivatives-video-poster';

/** The blob key of a video's poster. */
export const posterBlobKey = (videoId: string) => `poster-${videoId}`;

export interface VideoPosterDeps {
  blobs: BlobStore;
  /** The frame of the stored video at `atSeconds`, as an image (PNG). */
  frameOf(source: Readable, atSeconds: number): Promise<Buffer>;
  /** Where in a video of this length the poster frame is taken. */
  posterTime(durationSeconds: number): number;
  converter: Pick<Enhancer, 'convert'>;
  events: EventPublisher;
  /** True once the video has been deleted (its poster would be an orphan). */
  isDeleted(video: { videoId: string; blobKey: string }): Promise<boolean>;
  logger: Logger;
  /** WebP quality (default 80). */
  quality?: number;
}

/** The consumer on `pf.video.uploaded`; redeliveries replace the blob and re-publish the same event id. */
export function videoPosterConsumer(deps: VideoPosterDeps): ConsumerSpec {
  const { blobs, converter, events, logger, quality = 80 } = deps;
  const make = async (upload: EventOf<'pf.video.uploaded'>['data'], working: () => void) => {
    const { videoId, blobKey } = upload;
    const key = posterBlobKey(videoId);
    let frame: Buffer;
    try {
      frame = await deps.frameOf(await blobs.get(blobKey), deps.posterTime(upload.durationSeconds));
    } catch (err) {
      if (err instanceof NotFoundError) {
        await blobs.delete(key);
        logger.info('video gone before its poster was made', { videoId });
        return ack;
      }
      // The video was probed when it was accepted; a frame that cannot be decoded will not decode next time.
      return reject(`video ${videoId}: no poster frame: ${(err as Error).message}`);
    }
    working();
    const poster = await converter.convert(frame, { format: 'webp', quality });
    await blobs.delete(key);
    const stored = await blobs.put(Readable.from([poster.data]), {
      key,
      contentType: 'image/webp',
      metadata: { videoId, derivative: POSTER_VARIANT },
    });
    if (await deps.isDeleted({ videoId, blobKey })) {
      await blobs.delete(key);
      logger.info('video deleted while its poster was made; removed it', { videoId });
      return ack;
    }
    await events.publish(
      'pf.video.variant_added',
      videoId,
      {
        videoId,
        variant: {
          name: POSTER_VARIANT,
          kind: 'derivative',
          blobKey: key,
          contentType: 'image/webp',
          size: stored.size,
          width: poster.info.width,
          height: poster.info.height,
          sha256: stored.sha256,
        },
      },
      { id: `${videoId}-poster` },
    );
    logger.debug('poster stored', { videoId, size: stored.size });
    return ack;
  };
  return {
    name: VIDEO_POSTER_CONSUMER,
    stream: STREAMS.images.name,
    filterSubject: 'pf.video.uploaded',
    concurrency: 2,
    ackWaitMs: 120_000,
    maxDeliveries: 5,
    handler: async ({ event, working }) => {
      if (event.type !== 'pf.video.uploaded') return ack;
      return make(event.data, working);
    },
  };
}
