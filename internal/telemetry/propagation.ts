// Carries W3C trace context across NATS messages and event envelopes.
import { context, propagation, trace, SpanKind, SpanStatusCode, type Context } from '@opentelemetry/api';

/** The current `traceparent`, if a span is active and a propagator is registered. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context described by a `traceparent` header value (the active one when absent). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

const tracer = trace.getTracer('pixelforge');

/** Runs `fn` in a span that records its error; the span is a child of `parent` when given. */
export async function inSpan<T>(
  name: string,
  options: {
    kind?: 'consumer' | 'producer' | 'server' | 'internal';
    parent?: Context;
    attributes?: Record<string, string | number>;
  },
  fn: () => Promise<T>,
): Promise<T> {
  const kind = {
    consumer: SpanKind.CONSUMER,
    producer: SpanKind.PRODUCER,
    server: SpanKind.SERVER,
    internal: SpanKind.INTERNAL,
  }[options.kind ?? 'internal'];
  return tracer.startActiveSpan(
    name,
    { kind, attributes: options.attributes ?? {} },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn();
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
