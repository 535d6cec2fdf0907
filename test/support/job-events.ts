// Reads the jobs stream directly: what a job's worker and controller published, in stream order.
import { STREAMS, type AnyEvent } from '../../internal/events/catalog.ts';
import type { TestStack } from './stack.ts';

/** Every event of the jobs stream about `jobId`, in stream order. */
export async function jobEvents(stack: TestStack, jobId: string): Promise<AnyEvent[]> {
  const { jsm } = stack.conn.bus;
  const last = (await jsm.streams.info(STREAMS.jobs.name)).state.last_seq;
  const events: AnyEvent[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const message = await jsm.streams.getMessage(STREAMS.jobs.name, { seq }).catch(() => null);
    const event = message?.json<AnyEvent>();
    if (event?.subject === jobId) events.push(event);
  }
  return events;
}
