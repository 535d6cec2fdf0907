// One upload is one trace: the caller's traceparent reaches the published event and the projector's span.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTracing } from '../internal/telemetry/tracing.ts';
import { STREAMS } from '../internal/events/catalog.ts';
import { startTestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';

test('the trace of an upload continues into its event', async () => {
  const stopTracing = await startTracing('pixelforge-test', 'none');
  try {
    await using stack = await startTestStack();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await stack.request('/v1/images', {
      method: 'POST',
      body: uploadForm(await makeJpeg(16, 16), { group: 'traced' }),
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    assert.equal(res.status, 201);
    const { seq } = await res.json();
    const message = await stack.conn.bus.jsm.streams.getMessage(STREAMS.images.name, { seq });
    const event = message!.json<{ traceparent?: string }>();
    assert.match(event.traceparent ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.equal(message!.header.get('traceparent'), event.traceparent);
    assert.doesNotMatch(
      event.traceparent!,
      /00f067aa0ba902b7/,
      'a child span of the request, not the caller',
    );
  } finally {
    await stopTracing();
  }
});
