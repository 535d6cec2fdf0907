// OpenTelemetry SDK start-up: tracing with the exporter chosen by configuration, off by default.
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

export type TraceExporterName = 'none' | 'console' | 'otlp';

/** Starts the SDK for `serviceName`; returns a shutdown function that flushes spans. */
export function startTracing(serviceName: string, exporter: TraceExporterName): () => Promise<void> {
  if (exporter === 'none') return async () => {};
  const traceExporter: SpanExporter =
    exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
  const sdk = new NodeSDK({ serviceName, traceExporter, instrumentations: [] });
  sdk.start();
  return () => sdk.shutdown();
}
