// The EventBus port: idempotent publishing and durable, at-least-once consumption of Pixelforge events.
import type { AnyEvent, EventData, EventType } from '../events/catalog.ts';
import type { EnvelopeOptions } from '../events/envelope.ts';
import type { Checkpoint } from './checkpoint.ts';

/** Where a published event landed. `duplicate` is true when the bus had already stored this event id. */
export interface PublishReceipt {
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface EventPublisher {
  /** Validates and publishes one event; resolves once the bus has stored it durably. */
  publish<T extends EventType>(
    type: T,
    subject: string,
    data: EventData<T>,
    options?: Partial<EnvelopeOptions>,
  ): Promise<PublishReceipt>;
}

/** What a handler decided about one delivery; the consumer loop turns it into ack / nak / term. */
export type HandlerOutcome =
  | { readonly kind: 'ack' }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string };

export const ack: HandlerOutcome = { kind: 'ack' };
export const retry = (reason: string, delayMs = 1000): HandlerOutcome => ({ kind: 'retry', delayMs, reason });
export const reject = (reason: string): HandlerOutcome => ({ kind: 'reject', reason });

export interface Delivery<E extends AnyEvent = AnyEvent> {
  event: E;
  /** The event's sequence in its stream: monotonic, the basis of idempotent projections. */
  seq: number;
  /** How many times this message was delivered before (0 on the first delivery). */
  redeliveries: number;
  /** Tells the bus the handler is still working, so a long job is not redelivered. */
  working(): void;
}

export type EventHandler = (delivery: Delivery) => Promise<HandlerOutcome>;

export interface ConsumerSpec {
  /** Durable name; one consumer's progress survives restarts. */
  name: string;
  stream: string;
  /** Only these subjects (one filter; empty means the whole stream). */
  filterSubject?: string;
  /** Messages in flight at once. 1 keeps stream order, which ordered projections rely on. */
  concurrency: number;
  /** Wait before a redelivery when the handler is silent, in ms. */
  ackWaitMs?: number;
  /** Deliveries before a message goes to the dead-letter subject. */
  maxDeliveries?: number;
  /** Handles one delivery at a time (up to `concurrency` in parallel). Give this or `batch`. */
  handler?: EventHandler;
  /**
   * Handles deliveries in stream order, as many per call as have arrived (up to `maxSize`): the events that
   * come in while one batch is being written form the next. `concurrency` is ignored.
   */
  batch?: {
    maxSize: number;
    handler: BatchHandler;
    /**
     * Where the handler's store records what it has applied. Saved after each batch and before its acks; on
     * start (and every restart) the consumer resumes right after it, not after its own ack floor, so events
     * whose writes the store lost are delivered again.
     */
    checkpoint?: Checkpoint;
  };
}

/**
 * Decides a whole batch: an `ack` or `reject` per delivery, in order. Throwing retries the whole batch
 * (and everything after it) later, which keeps stream order.
 */
export type BatchHandler = (deliveries: Delivery[]) => Promise<('ack' | { reject: string })[]>;

/** A running consumer; `stop` drains in-flight messages. */
export interface RunningConsumer extends AsyncDisposable {
  stop(): Promise<void>;
  /** Resolves when the loop ends for good (stopped, or failed beyond restart). */
  readonly done: Promise<void>;
}
