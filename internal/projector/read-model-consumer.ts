// The projector's consumers: read models from image events, and blob removal after deletions.
import { STREAMS, type AnyEvent } from '../events/catalog.ts';
import { ack, reject, type ConsumerSpec } from '../ports/event-bus.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Logger } from '../telemetry/logger.ts';

/** The durable consumer whose ack floor tells the ingress what the read models have applied. */
export const READ_MODEL_CONSUMER = 'projector-read-models';
export const BLOB_JANITOR_CONSUMER = 'projector-blob-janitor';

export interface Projection {
  apply(event: AnyEvent, seq: number): Promise<'applied' | 'skipped' | 'unknown-image'>;
}

/** Read models need stream order, so this consumer handles one event at a time. */
export function readModelConsumer(projection: Projection, logger: Logger): ConsumerSpec {
  return {
    name: READ_MODEL_CONSUMER,
    stream: STREAMS.images.name,
    concurrency: 1,
    handler: async ({ event, seq }) => {
      const result = await projection.apply(event, seq);
      if (result === 'unknown-image') {
        return reject(`${event.type} for image ${event.subject}, which was never uploaded`);
      }
      logger.debug('projected', { type: event.type, seq, result });
      return ack;
    },
  };
}

/** Removes the bytes of deleted images (original and variants); deleting twice is harmless. */
export function blobJanitorConsumer(blobs: BlobStore, logger: Logger): ConsumerSpec {
  return {
    name: BLOB_JANITOR_CONSUMER,
    stream: STREAMS.images.name,
    filterSubject: 'pf.image.deleted',
    concurrency: 4,
    handler: async ({ event }) => {
      if (event.type !== 'pf.image.deleted') return ack;
      for (const key of event.data.blobKeys) {
        if (await blobs.delete(key)) logger.debug('blob removed', { key, imageId: event.data.imageId });
      }
      return ack;
    },
  };
}
