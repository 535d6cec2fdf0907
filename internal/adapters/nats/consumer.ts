// The one consumer loop: durable pull consumer, bounded concurrency, outcomes mapped to ack/nak/term,
// dead letters with the reason, and a restart when heartbeats go missing or the loop fails.
import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerInfo,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { PixelforgeEvent, STREAMS } from '../../events/catalog.ts';
import type { ConsumerSpec, Delivery, HandlerOutcome, RunningConsumer } from '../../ports/event-bus.ts';
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
  if (!spec.handler === !spec.batch) throw new Error(`consumer ${spec.name}: give either handler or batch`);
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

  /** The delivery of `m`, or null when it was not a valid event (then it is dead-lettered). */
  const parse = async (m: JsMsg): Promise<Delivery | null> => {
    let parsed;
    try {
      parsed = PixelforgeEvent.safeParse(JSON.parse(new TextDecoder().decode(m.data)));
    } catch (err) {
      await deadLetter(m, `not JSON: ${(err as Error).message}`);
      return null;
    }
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      await deadLetter(m, `not a valid Pixelforge event: ${issues}`);
      return null;
    }
    return {
      event: parsed.data,
      seq: m.seq,
      redeliveries: m.info.deliveryCount - 1,
      working: () => m.working(),
    };
  };

  const handle = async (m: JsMsg) => {
    const delivery = await parse(m);
    if (!delivery) return;
    const { event } = delivery;
    const outcome = await inSpan(
      `consume ${event.type}`,
      {
        kind: 'consumer',
        parent: contextFromTraceparent(m.headers?.get('traceparent') || event.traceparent),
        attributes: { 'messaging.consumer': spec.name, 'messaging.message.id': event.id },
      },
      () => spec.handler!(delivery),
    ).catch((err: Error): HandlerOutcome => {
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(m.info.deliveryCount, 6));
      log.error('handler failed', { subject: m.subject, seq: m.seq, err });
      return { kind: 'retry', delayMs, reason: err.message };
    });
    await settle(m, outcome);
  };

  /** Ordered batches: whatever arrived while the previous batch was being written is the next one. */
  const runBatches = async (messages: ConsumerMessages, batch: NonNullable<ConsumerSpec['batch']>) => {
    const queue: JsMsg[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const pump = (async () => {
      for await (const m of messages) {
        queue.push(m);
        wake?.();
      }
    })().finally(() => {
      ended = true;
      wake?.();
    });
    while (queue.length > 0 || !ended) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      const taken = queue.splice(0, batch.maxSize);
      const deliveries: Delivery[] = [];
      const kept: JsMsg[] = [];
      for (const m of taken) {
        const delivery = await parse(m);
        if (delivery) {
          deliveries.push(delivery);
          kept.push(m);
        }
      }
      try {
        const outcomes = deliveries.length
          ? await inSpan(`consume batch of ${deliveries.length}`, { kind: 'consumer' }, () =>
              batch.handler(deliveries),
            )
          : [];
        for (const [i, m] of kept.entries()) {
          const outcome = outcomes[i];
          if (outcome !== 'ack') await deadLetter(m, outcome?.reject ?? 'the batch handler gave no outcome');
        }
        // The position goes to the store before the acks: a crash in between redelivers what was applied.
        const last = taken.at(-1);
        if (last && batch.checkpoint) await batch.checkpoint.save(last.seq);
        for (const [i, m] of kept.entries()) if (outcomes[i] === 'ack') m.ack();
      } catch (err) {
        // Later messages must not overtake this batch: hand everything back and start over after a pause.
        const attempt = Math.min(kept[0]?.info.deliveryCount ?? 1, 6);
        const delayMs = Math.min(30_000, 500 * 2 ** attempt);
        log.error('batch failed; retrying it and everything after it', {
          err,
          seqs: kept.map((m) => m.seq),
          delayMs,
        });
        messages.stop();
        for (const m of [...kept, ...queue.splice(0)]) m.nak(delayMs);
        await pump.catch(() => {});
        await new Promise((r) => setTimeout(r, delayMs));
        return;
      }
    }
    await pump;
  };

  const runOnce = async () => {
    const consumer = await bus.js.consumers.get(spec.stream, spec.name);
    const messages = await consumer.consume({
      max_messages: spec.batch ? spec.batch.maxSize * 2 : Math.max(spec.concurrency * 2, 16),
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
    if (spec.batch) return runBatches(messages, spec.batch);
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
    max_ack_pending: spec.batch ? spec.batch.maxSize * 2 : spec.concurrency,
    // Our loop decides when to give up (and dead-letters); the server must keep redelivering until then.
    max_deliver: -1,
    ...(spec.filterSubject ? { filter_subject: spec.filterSubject } : {}),
  };
  const existing = await bus.jsm.consumers.info(spec.stream, spec.name).catch(() => null);
  const recorded = spec.batch?.checkpoint ? await spec.batch.checkpoint.load() : undefined;
  const startAfter = await resumePosition(bus, spec, existing, recorded);
  if (startAfter !== undefined) {
    if (existing) await bus.jsm.consumers.delete(spec.stream, spec.name);
    await bus.jsm.consumers.add(spec.stream, {
      ...config,
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: startAfter + 1,
    });
    return;
  }
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

/**
 * Where a batch consumer must start over (after this sequence), or undefined when it may go on as it is.
 *
 * - Messages handed to an earlier client (killed, or given back after a failed batch) would come back only
 *   after ack_wait, behind newer ones, and a batch consumer relies on stream order: start over after the
 *   last applied event, so everything after it comes again, in order (what was applied is skipped).
 * - With a checkpoint, "last applied" is what the store says, not the ack floor: a store that lost its
 *   last writes in a crash gets the events behind them again, and a crash between a save and its acks
 *   does not apply a batch twice.
 */
async function resumePosition(
  bus: Bus,
  spec: ConsumerSpec,
  existing: ConsumerInfo | null,
  recorded: number | undefined,
): Promise<number | undefined> {
  if (!spec.batch) return undefined;
  if (recorded === undefined) {
    return existing && existing.num_ack_pending > 0 ? existing.ack_floor.stream_seq : undefined;
  }
  if (existing && existing.num_ack_pending === 0 && existing.ack_floor.stream_seq === recorded)
    return undefined;
  if (!existing && recorded === 0) return undefined;
  const last = (await bus.jsm.streams.info(spec.stream)).state.last_seq;
  if (recorded > last) {
    // The store has applied events the stream no longer has (a stream that lost its tail, or was
    // recreated): new events would reuse those sequences and be skipped as already applied.
    throw new Error(
      `consumer ${spec.name}: its store recorded stream sequence ${recorded}, but ${spec.stream} ends at ${last}; ` +
        'the read models are ahead of the stream: run `pixelforge projections rebuild`',
    );
  }
  return recorded;
}
