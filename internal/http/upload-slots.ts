// Bounds the uploads one ingress streams at once. Each holds a few MB of buffers (multipart parser, GridFS
// chunk, socket), so memory stays bounded however many clients send at once; the others wait, their bodies
// unread, which TCP turns into back-pressure on the senders.
import { ErrorCode, PixelforgeError } from '../errors/errors.ts';

export interface UploadSlots {
  /** Waits for a free slot; throws a 503 `unavailable` when none frees up within the wait. */
  acquire(): Promise<() => void>;
  /** Uploads streaming now, and waiting. */
  readonly active: number;
  readonly waiting: number;
}

export interface UploadSlotsOptions {
  /** Uploads streamed at once (default 8). */
  limit?: number;
  /** Longest wait for a slot, in ms (default 30 000). */
  maxWaitMs?: number;
}

export function createUploadSlots({ limit = 8, maxWaitMs = 30_000 }: UploadSlotsOptions = {}): UploadSlots {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    async acquire() {
      if (active < limit) {
        active++;
        return release;
      }
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(grant), 1);
          reject(
            new PixelforgeError(
              ErrorCode.Unavailable,
              `too many uploads in progress (${limit} at once); retry shortly`,
            ),
          );
        }, maxWaitMs);
        queue.push(grant);
      });
      // The slot passes straight from the releasing upload to this one, so `active` stays the same.
      return release;
    },
  };
}
