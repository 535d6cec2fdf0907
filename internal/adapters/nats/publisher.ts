// EventPublisher on JetStream: validated envelopes, Nats-Msg-Id de-duplication, trace context in headers.
import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { PixelforgeEvent, streamOf, type EventData, type EventType } from '../../events/catalog.ts';
import { envelope, type EnvelopeOptions } from '../../events/envelope.ts';
import { UnavailableError, ValidationError } from '../../errors/errors.ts';
import type { EventPublisher, PublishReceipt } from '../../ports/event-bus.ts';
import { currentTraceparent } from '../../telemetry/propagation.ts';

export interface NatsPublisherOptions {
  /** Goes into every envelope's `source`, e.g. `pixelforge/ingress`. */
  source: string;
}

/** Publishes to the subject named by the event type; the stream's ack is the durability point. */
export function createNatsPublisher(js: JetStreamClient, { source }: NatsPublisherOptions): EventPublisher {
  return {
    async publish<T extends EventType>(
      type: T,
      subject: string,
      data: EventData<T>,
      options: Partial<EnvelopeOptions> = {},
    ): Promise<PublishReceipt> {
      const traceparent = options.traceparent ?? currentTraceparent();
      const candidate = envelope(type, subject, data, {
        source,
        ...options,
        ...(traceparent ? { traceparent } : {}),
      });
      const parsed = PixelforgeEvent.safeParse(candidate);
      if (!parsed.success) {
        throw new ValidationError(`event ${type} does not match its schema`, parsed.error.issues);
      }
      const event = parsed.data;
      const h = natsHeaders();
      if (event.traceparent) h.set('traceparent', event.traceparent);
      try {
        const ack = await js.publish(type, JSON.stringify(event), {
          msgID: event.id,
          headers: h,
          expect: { streamName: streamOf(type).name },
        });
        return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        throw new UnavailableError(`could not publish ${type}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
