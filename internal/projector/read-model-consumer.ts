// The projector's consumers: read models from image events, and blob removal after deletions.
import { STREAMS, type AnyEvent } from '../events/catalog.ts';
import { ack, type ConsumerSpec } from '../ports/event-bus.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Checkpoint } from '../ports/checkpoint.ts';
import type { Logger } from '../telemetry/logger.ts';

/** The durable consumer whose ack floor tells the ingress what the read models have applied. */
export const READ_MODEL_CONSUMER = 'projector-read-models';
export const BLOB_JANITOR_CONSUMER = 'projector-blob-janitor';

export interface Projection {
  /** Applies events in stream order; one result per event. */
  applyBatch(items: { event: AnyEvent; seq: number }[]): Promise<('applied' | 'skipped' | 'unknown-image')[]>;
}

/** Largest batch of events applied with one set of writes. */
export const READ_MODEL_BATCH = 256;

/**
 * Read models need stream order: this consumer applies events in order, in batches of whatever arrived
 * while the previous batch was being written (one event when idle, up to READ_MODEL_BATCH under load).
 * `checkpoint` lives with the read models, and the consumer resumes from it.
 */
export function readModelConsumer(
  projection: Projection,
  checkpoint: Checkpoint,
  logger: Logger,
): ConsumerSpec {
  return {
    name: READ_MODEL_CONSUMER,
    stream: STREAMS.images.name,
    concurrency: 1,
    batch: {
      maxSize: READ_MODEL_BATCH,
      checkpoint,
      handler: async (deliveries) => {
        const results = await projection.applyBatch(deliveries);
        logger.debug('projected', { events: deliveries.length, lastSeq: deliveries.at(-1)?.seq });
        return results.map((result, i) =>
          result === 'unknown-image'
            ? {
                reject: `${deliveries[i]!.event.type} for ${deliveries[i]!.event.subject}, which was never uploaded`,
              }
            : 'ack',
        );
      },
    },
  };
}

export const VIDEO_BLOB_JANITOR_CONSUMER = 'projector-video-blob-janitor';

/** Removes the bytes of deleted images (original and variants); deleting twice is harmless. */
export function blobJanitorConsumer(blobs: BlobStore, logger: Logger): ConsumerSpec {
  return janitor(BLOB_JANITOR_CONSUMER, 'pf.image.deleted', blobs, logger);
}

/** Removes the bytes of deleted videos (original, poster and enhanced outputs). */
export function videoBlobJanitorConsumer(blobs: BlobStore, logger: Logger): ConsumerSpec {
  return janitor(VIDEO_BLOB_JANITOR_CONSUMER, 'pf.video.deleted', blobs, logger);
}

function janitor(
  name: string,
  type: 'pf.image.deleted' | 'pf.video.deleted',
  blobs: BlobStore,
  logger: Logger,
): ConsumerSpec {
  return {
    name,
    stream: STREAMS.images.name,
    filterSubject: type,
    concurrency: 4,
    handler: async ({ event }) => {
      if (event.type !== type) return ack;
      for (const key of event.data.blobKeys) {
        if (await blobs.delete(key)) logger.debug('blob removed', { key, subject: event.subject });
      }
      return ack;
    },
  };
}
