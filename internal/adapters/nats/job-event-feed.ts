// Live job events from NATS core subscriptions (JetStream publishes reach them too): the feed behind
// server-sent progress. One shared subscription, fanned out to the listeners of each job.
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { PixelforgeEvent, type AnyEvent } from '../../events/catalog.ts';
import type { JobEventFeed } from '../../jobs/enhancement-service.ts';

/** A feed over `nc`; the subscription opens with the first listener and closes with the last. */
export function createNatsJobEventFeed(nc: NatsConnection): JobEventFeed {
  const listeners = new Map<string, Set<(event: AnyEvent) => void>>();
  let subscriptions: Subscription[] = [];
  const deliver = (_err: Error | null, msg: { data: Uint8Array }) => {
    let parsed;
    try {
      parsed = PixelforgeEvent.safeParse(JSON.parse(new TextDecoder().decode(msg.data)));
    } catch {
      return;
    }
    if (!parsed.success) return;
    const jobId = (parsed.data.data as { jobId?: string }).jobId;
    for (const listener of (jobId && listeners.get(jobId)) || []) listener(parsed.data);
  };
  return {
    subscribe(jobId, onEvent) {
      if (listeners.size === 0) {
        subscriptions = ['pf.job.>', 'pf.enhancement.>'].map((subject) =>
          nc.subscribe(subject, { callback: deliver }),
        );
      }
      const set = listeners.get(jobId) ?? new Set();
      set.add(onEvent);
      listeners.set(jobId, set);
      return () => {
        set.delete(onEvent);
        if (set.size === 0) listeners.delete(jobId);
        if (listeners.size === 0) {
          for (const s of subscriptions) s.unsubscribe();
          subscriptions = [];
        }
      };
    },
  };
}
