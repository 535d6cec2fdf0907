// The one envelope every Pixelforge event travels in, and the helper that builds it.
import { z } from 'zod';
import { newId } from '../ids/ids.ts';

export const ENVELOPE_VERSION = 1;

/** Fields shared by every event; `type` and `data` are fixed per event type in catalog.ts. */
export const envelopeFields = {
  /** ULID; also the JetStream Nats-Msg-Id, so a retried publish is stored once. */
  id: z.string().min(1).max(128),
  time: z.iso.datetime({ offset: true }),
  /** The process or system that published the event, e.g. `pixelforge/ingress`. */
  source: z.string().min(1).max(200),
  /** The id of the entity the event is about (image, group, job, import). */
  subject: z.string().min(1).max(200),
  /** Who caused it: an API key name, `system`, or an external publisher's principal. */
  actor: z.string().min(1).max(200).default('system'),
  /** W3C trace context of the operation that caused the event. */
  traceparent: z.string().max(128).optional(),
  version: z.literal(ENVELOPE_VERSION).default(ENVELOPE_VERSION),
};

export interface EnvelopeOptions {
  source: string;
  actor?: string;
  traceparent?: string;
  /** Override the generated id, e.g. to make a retried external request idempotent. */
  id?: string;
  time?: Date;
}

/** Builds an envelope around `data`; the caller's type parameter ties `type` to its data schema. */
export function envelope<T extends string, D>(type: T, subject: string, data: D, options: EnvelopeOptions) {
  return {
    id: options.id ?? newId(),
    type,
    time: (options.time ?? new Date()).toISOString(),
    source: options.source,
    subject,
    actor: options.actor ?? 'system',
    ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    version: ENVELOPE_VERSION as typeof ENVELOPE_VERSION,
    data,
  };
}
