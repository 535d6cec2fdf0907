// Read-your-writes: waits until a durable consumer has acknowledged a given stream sequence.
import type { JetStreamManager } from '@nats-io/jetstream';

export interface Watermark {
  /** Resolves true once `seq` is applied, false when `timeoutMs` passes first. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean>;
}

/**
 * Reads the consumer's ack floor. Concurrent waiters share one info request per poll interval, so a burst
 * of reads costs the server one request every `pollMs`.
 */
export function createWatermark(
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
  pollMs = 10,
): Watermark {
  let known = 0;
  let created = '';
  let pending: Promise<number> | undefined;

  const refresh = () => {
    pending ??= jsm.consumers
      .info(stream, consumer)
      .then((info) => {
        // A recreated consumer (a rebuild) starts over: what the old one applied says nothing any more.
        if (info.created !== created) {
          created = info.created;
          known = 0;
        }
        // With nothing pending or in flight, everything delivered so far is applied.
        const floor =
          info.num_pending === 0 && info.num_ack_pending === 0
            ? info.delivered.stream_seq
            : info.ack_floor.stream_seq;
        known = Math.max(known, floor);
        return known;
      })
      .finally(() => setTimeout(() => (pending = undefined), pollMs));
    return pending;
  };

  return {
    async waitFor(seq, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() <= deadline) {
        if ((await refresh().catch(() => known)) >= seq) return true;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      return known >= seq;
    },
  };
}
