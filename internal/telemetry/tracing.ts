// OpenTelemetry SDK start-up: tracing with the exporter chosen by configuration, off by default.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export type TraceExporterName = 'none' | 'console' | 'otlp';

/**
 * Starts the SDK for `serviceName`; returns a shutdown function that flushes spans. With `none`, spans are
 * still created and W3C trace context still propagates (a caller's trace continues through our events),
 * but nothing is exported.
 */
export function startTracing(serviceName: string, exporter: TraceExporterName): () => Promise<void> {
  const spanProcessors: SpanProcessor[] = [
    exporter === 'none'
      ? // The SDK registers no tracer provider without a processor, and then spans would not get ids.
        { onStart() {}, onEnd() {}, forceFlush: async () => {}, shutdown: async () => {} }
      : new BatchSpanProcessor(exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter()),
  ];
  const sdk = new NodeSDK({ serviceName, spanProcessors, instrumentations: [] });
  sdk.start();
  return () => sdk.shutdown();
}
