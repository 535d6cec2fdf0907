// The one consumer loop: durable pull consumer, bounded concurrency, outcomes mapped to ack/nak/term,
// dead letters with the reason, and a restart when heartbeats go missing or the loop fails.
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { PixelforgeEvent, STREAMS } from '../../events/catalog.ts';
import type { ConsumerSpec, HandlerOutcome, RunningConsumer } from '../../ports/event-bus.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { contextFromTraceparent, inSpan } from '../../telemetry/propagation.ts';
import type { Bus } from './connect.ts';

const NS_PER_MS = 1_000_000;

export interface ConsumerLoopOptions {
  logger: Logger;
  /** Delay before the loop restarts after a failure (default 1000 ms, doubled up to 30 s). */
  restartDelayMs?: number;
  /** Idle heartbeat of the pull requests; two missed ones restart the loop (default 5000 ms). */
  heartbeatMs?: number;
}

/** Creates (or updates) the durable consumer and runs the loop until `stop()`. */
export async function startConsumer(
  bus: Bus,
  spec: ConsumerSpec,
  { logger, restartDelayMs = 1000, heartbeatMs = 5000 }: ConsumerLoopOptions,
): Promise<RunningConsumer> {
  const log = logger.child({ consumer: spec.name });
  const maxDeliveries = spec.maxDeliveries ?? 10;
  await ensureDurable(bus, spec);

  let stopping = false;
  let current: ConsumerMessages | undefined;
  const inflight = new Set<Promise<void>>();

  const deadLetter = async (m: JsMsg, reason: string) => {
    const h = natsHeaders();
    h.set('Pixelforge-Dead-Letter-Reason', reason.slice(0, 1000).replace(/[\r\n]+/g, ' '));
    h.set('Pixelforge-Original-Subject', m.subject);
    h.set('Pixelforge-Original-Seq', String(m.seq));
    await bus.js.publish(`pfdlq.${spec.name}`, m.data, {
      headers: h,
      msgID: `${spec.name}:${m.info.stream}:${m.seq}`,
      expect: { streamName: STREAMS.deadLetters.name },
    });
    // No reason on term: nats-server 2.9 does not understand `+TERM <reason>`; the reason is in the header.
    m.term();
    log.warn('dead-lettered', { subject: m.subject, seq: m.seq, reason });
  };

  const settle = async (m: JsMsg, outcome: HandlerOutcome) => {
    if (outcome.kind === 'ack') {
      m.ack();
    } else if (outcome.kind === 'reject') {
      await deadLetter(m, outcome.reason);
    } else if (m.info.deliveryCount >= maxDeliveries) {
      await deadLetter(m, `gave up after ${m.info.deliveryCount} deliveries: ${outcome.reason}`);
    } else {
      m.nak(outcome.delayMs);
      log.info('retrying later', {
        subject: m.subject,
        seq: m.seq,
        reason: outcome.reason,
        delayMs: outcome.delayMs,
      });
    }
  };

  const handle = async (m: JsMsg) => {
    let parsed;
    try {
      parsed = PixelforgeEvent.safeParse(JSON.parse(new TextDecoder().decode(m.data)));
    } catch (err) {
      return deadLetter(m, `not JSON: ${(err as Error).message}`);
    }
    if (!parsed.success) {
      return deadLetter(
        m,
        `not a valid Pixelforge event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const event = parsed.data;
    const outcome = await inSpan(
      `consume ${event.type}`,
      {
        kind: 'consumer',
        parent: contextFromTraceparent(m.headers?.get('traceparent') || event.traceparent),
        attributes: { 'messaging.consumer': spec.name, 'messaging.message.id': event.id },
      },
      () =>
        spec.handler({
          event,
          seq: m.seq,
          redeliveries: m.info.deliveryCount - 1,
          working: () => m.working(),
        }),
    ).catch((err: Error): HandlerOutcome => {
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(m.info.deliveryCount, 6));
      log.error('handler failed', { subject: m.subject, seq: m.seq, err });
      return { kind: 'retry', delayMs, reason: err.message };
    });
    await settle(m, outcome);
  };

  const runOnce = async () => {
    const consumer = await bus.js.consumers.get(spec.stream, spec.name);
    const messages = await consumer.consume({
      max_messages: Math.max(spec.concurrency * 2, 16),
      idle_heartbeat: heartbeatMs,
    });
    current = messages;
    // stop() may have been called while the consumer was being set up.
    if (stopping) messages.stop();
    void (async () => {
      for await (const status of messages.status()) {
        if (
          (status.type === 'heartbeats_missed' && status.count >= 2) ||
          status.type === 'consumer_deleted'
        ) {
          log.warn('restarting consumer', { status: status.type });
          messages.stop();
        }
      }
    })().catch(() => {});
    for await (const m of messages) {
      const task = handle(m).catch((err: Error) => log.error('settling failed', { seq: m.seq, err }));
      if (spec.concurrency <= 1) {
        await task;
        continue;
      }
      const tracked = task.finally(() => inflight.delete(tracked));
      inflight.add(tracked);
      if (inflight.size >= spec.concurrency) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  };

  const done = (async () => {
    let delay = restartDelayMs;
    while (!stopping && !bus.nc.isClosed()) {
      try {
        await runOnce();
        delay = restartDelayMs;
      } catch (err) {
        if (stopping) break;
        log.error('consumer loop failed; restarting', { err, delayMs: delay });
      }
      if (stopping || bus.nc.isClosed()) break;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
      if (!stopping)
        await ensureDurable(bus, spec).catch((err: Error) => log.warn('cannot ensure consumer', { err }));
    }
  })();

  const stop = async () => {
    stopping = true;
    current?.stop();
    await done;
  };
  return { stop, done, [Symbol.asyncDispose]: stop };
}

async function ensureDurable(bus: Bus, spec: ConsumerSpec): Promise<void> {
  const config = {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: (spec.ackWaitMs ?? 30_000) * NS_PER_MS,
    max_ack_pending: spec.concurrency,
    // Our loop decides when to give up (and dead-letters); the server must keep redelivering until then.
    max_deliver: -1,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  };
  const existing = await bus.jsm.consumers.info(spec.stream, spec.name).catch(() => null);
  if (!existing) {
    await bus.jsm.consumers.add(spec.stream, config);
  } else if (
    existing.config.max_ack_pending !== config.max_ack_pending ||
    existing.config.ack_wait !== config.ack_wait ||
    (existing.config.filter_subject ?? '') !== (spec.filterSubject ?? '')
  ) {
    await bus.jsm.consumers.update(spec.stream, spec.name, {
      max_ack_pending: config.max_ack_pending,
      ack_wait: config.ack_wait,
      filter_subject: spec.filterSubject ?? '',
    });
  }
}
