// The WebP derivative of every upload: a smaller rendition for browsing, made by a durable consumer.
import { Readable } from 'node:stream';
import { ErrorCode, NotFoundError, PixelforgeError } from '../errors/errors.ts';
import { STREAMS, type EventOf } from '../events/catalog.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { Enhancer } from '../ports/enhancer.ts';
import { ack, reject, type ConsumerSpec, type EventPublisher } from '../ports/event-bus.ts';
import type { Logger } from '../telemetry/logger.ts';
import { countGifFrames } from './gif-frames.ts';

export const WEBP_DERIVATIVE_CONSUMER = 'derivatives-webp';
export const WEBP_VARIANT = 'webp';

/** The blob key of an image's WebP derivative. */
export const webpBlobKey = (imageId: string) => `webp-${imageId}`;

export interface WebpDerivativeDeps {
  blobs: BlobStore;
  converter: Pick<Enhancer, 'convert'>;
  events: EventPublisher;
  /** True once the image has been deleted (its derivative would be an orphan). */
  isDeleted(image: { imageId: string; blobKey: string }): Promise<boolean>;
  logger: Logger;
  /** WebP quality (default 80: browsing copies, where size matters more than the last detail). */
  quality?: number;
  /** Uploads handled at once (default 2). */
  concurrency?: number;
}

/**
 * Why an upload gets no derivative, or null when it gets one. A WebP upload is its own derivative. An animated
 * GIF is skipped because conversion keeps only the first frame, and a still would misrepresent the image.
 */
export function skipReason(contentType: string, bytes?: Uint8Array): string | null {
  if (contentType === 'image/webp') return 'the upload is already WebP';
  if (contentType === 'image/gif' && bytes && countGifFrames(bytes, 2) > 1) {
    return 'animated GIF: a WebP of its first frame would lose the animation';
  }
  return null;
}

/** Errors that mean the upload itself cannot be converted: retrying changes nothing. */
const isPoison = (err: unknown) =>
  err instanceof PixelforgeError &&
  ([ErrorCode.CorruptImage, ErrorCode.TooManyPixels, ErrorCode.UnsupportedMediaType] as string[]).includes(
    err.code,
  );

/** The consumer on `pf.image.uploaded`; redeliveries replace the blob and re-publish the same event id. */
export function webpDerivativeConsumer(deps: WebpDerivativeDeps): ConsumerSpec {
  const { blobs, converter, events, logger, quality = 80 } = deps;
  const make = async (upload: EventOf<'pf.image.uploaded'>['data'], working: () => void) => {
    const { imageId, blobKey } = upload;
    const key = webpBlobKey(imageId);
    const early = skipReason(upload.contentType);
    if (early) {
      logger.debug('no derivative', { imageId, reason: early });
      return ack;
    }
    let bytes: Buffer;
    try {
      bytes = await readAll(await blobs.get(blobKey));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      // Deleted before we got here; a derivative stored by an earlier delivery would be an orphan.
      await blobs.delete(key);
      logger.info('image gone before its derivative was made', { imageId });
      return ack;
    }
    const late = skipReason(upload.contentType, bytes);
    if (late) {
      logger.info('no derivative', { imageId, reason: late });
      return ack;
    }
    working();
    let converted;
    try {
      converted = await converter.convert(bytes, { format: 'webp', quality });
    } catch (err) {
      if (isPoison(err)) return reject(`image ${imageId}: ${(err as Error).message}`);
      throw err;
    }
    working();
    // A redelivery finds the previous attempt's blob under the same key.
    await blobs.delete(key);
    const stored = await blobs.put(Readable.from([converted.data]), {
      key,
      contentType: 'image/webp',
      metadata: { imageId, derivative: WEBP_VARIANT },
    });
    if (await deps.isDeleted({ imageId, blobKey })) {
      await blobs.delete(key);
      logger.info('image deleted while its derivative was made; removed it', { imageId });
      return ack;
    }
    await events.publish(
      'pf.image.variant_added',
      imageId,
      {
        imageId,
        variant: {
          name: WEBP_VARIANT,
          kind: 'derivative',
          blobKey: key,
          contentType: 'image/webp',
          size: stored.size,
          width: converted.info.width,
          height: converted.info.height,
          sha256: stored.sha256,
        },
      },
      { id: `${imageId}-webp` },
    );
    logger.debug('derivative stored', { imageId, size: stored.size, from: upload.size });
    return ack;
  };
  return {
    name: WEBP_DERIVATIVE_CONSUMER,
    stream: STREAMS.images.name,
    filterSubject: 'pf.image.uploaded',
    concurrency: deps.concurrency ?? 2,
    ackWaitMs: 60_000,
    maxDeliveries: 5,
    handler: async ({ event, working }) => {
      if (event.type !== 'pf.image.uploaded') return ack;
      return make(event.data, working);
    },
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
