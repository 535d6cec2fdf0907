// OpenTelemetry start-up: tracing with the exporter chosen by configuration, off by default.
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export type TraceExporterName = 'none' | 'console' | 'otlp';

/**
 * Starts tracing for `serviceName`; resolves to a shutdown function that flushes spans. With `none`, spans
 * are still created and W3C trace context still propagates (a caller's trace continues through our events),
 * but nothing is exported: a bare tracer provider does that, without the whole SDK and its exporters (a
 * process's start-up time and some 10 MiB of its memory). An exporter loads the SDK.
 */
export async function startTracing(
  serviceName: string,
  exporter: TraceExporterName,
): Promise<() => Promise<void>> {
  if (exporter === 'none') {
    const { NodeTracerProvider } = await import('@opentelemetry/sdk-trace-node');
    const provider = new NodeTracerProvider();
    provider.register();
    return () => provider.shutdown();
  }
  const [{ NodeSDK }, { BatchSpanProcessor, ConsoleSpanExporter }, { OTLPTraceExporter }] = await Promise.all(
    [
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
    ],
  );
  const spanProcessors: SpanProcessor[] = [
    new BatchSpanProcessor(exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter()),
  ];
  const sdk = new NodeSDK({ serviceName, spanProcessors, instrumentations: [] });
  sdk.start();
  return () => sdk.shutdown();
}
