// Live job events from NATS core subscriptions (JetStream publishes reach them too): the feed behind
// server-sent progress. One shared subscription, fanned out to the listeners of each job; and the stored events
// of a job since a stream sequence, which close the gap between a read model's snapshot and the live feed.
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/transport-node';
import { PixelforgeEvent, STREAMS, type AnyEvent } from '../../events/catalog.ts';
import type { JobEventFeed } from '../../jobs/enhancement-service.ts';
import type { Bus } from './connect.ts';

/** The most stored events one catch-up reads: a snapshot lags the stream by a few, not by thousands. */
const MAX_CATCH_UP = 2000;

function parse(data: Uint8Array): AnyEvent | undefined {
  try {
    const parsed = PixelforgeEvent.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const jobOf = (event: AnyEvent) => (event.data as { jobId?: string }).jobId;

/** A feed over `bus`; the subscription opens with the first listener and closes with the last. */
export function createNatsJobEventFeed({ nc, js, jsm }: Pick<Bus, 'nc' | 'js' | 'jsm'>): JobEventFeed {
  const listeners = new Map<string, Set<(event: AnyEvent) => void>>();
  let subscriptions: Subscription[] = [];
  const deliver = (_err: Error | null, msg: { data: Uint8Array }) => {
    const event = parse(msg.data);
    const jobId = event && jobOf(event);
    for (const listener of (jobId && listeners.get(jobId)) || []) listener(event!);
  };
  return {
    async subscribe(jobId, onEvent) {
      if (listeners.size === 0) {
        subscriptions = ['pf.job.>', 'pf.enhancement.>'].map((subject) =>
          nc.subscribe(subject, { callback: deliver }),
        );
      }
      const set = listeners.get(jobId) ?? new Set();
      set.add(onEvent);
      listeners.set(jobId, set);
      // A SUB is sent asynchronously: until the server has it, an event would pass unseen (and a snapshot read
      // meanwhile could predate it). The round trip of a flush confirms every SUB sent before it.
      await nc.flush();
      return () => {
        set.delete(onEvent);
        if (set.size === 0) listeners.delete(jobId);
        if (listeners.size === 0) {
          for (const s of subscriptions) s.unsubscribe();
          subscriptions = [];
        }
      };
    },

    async since(jobId, fromSeq) {
      const last = (await jsm.streams.info(STREAMS.jobs.name)).state.last_seq;
      if (fromSeq > last) return [];
      const first = Math.max(fromSeq, last - MAX_CATCH_UP + 1);
      const consumer = await js.consumers.get(STREAMS.jobs.name, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: first,
      });
      const found: AnyEvent[] = [];
      const messages = await consumer.fetch({ max_messages: last - first + 1, expires: 5000 });
      for await (const m of messages) {
        const event = parse(m.data);
        if (event && jobOf(event) === jobId) found.push(event);
        if (m.seq >= last) break;
      }
      return found;
    },
  };
}
