// Runs tiles one after another with progress and cancellation, and queues whole runs so one inference runs at a time.
import { CancelledError } from '../errors/errors.ts';
import type { Tile } from './tile-plan.ts';

/**
 * Called once with 0 before the first tile (the plan is known: the job is running), then after every finished
 * tile; `total` counts the tiles of every pass (colour, then alpha).
 */
export type ProgressCallback = (done: number, total: number) => void;

/** One pass over a plan's tiles, e.g. the colour pass or the alpha pass. */
export interface TilePass {
  tiles: readonly Tile[];
  process(tile: Tile): Promise<void>;
}

export interface RunTilesOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

/** Throws CancelledError when `signal` has been aborted. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledBy(signal);
}

/** The CancelledError for an aborted signal, with its reason. */
export function cancelledBy(signal: AbortSignal): CancelledError {
  const reason: unknown = signal.reason;
  return new CancelledError(
    reason instanceof Error && reason.name !== 'AbortError'
      ? `the operation was cancelled: ${reason.message}`
      : typeof reason === 'string'
        ? `the operation was cancelled: ${reason}`
        : undefined,
  );
}

/**
 * Processes every tile of every pass in order. Cancellation is checked before each tile, so an aborted run
 * stops within one tile (a tile's inference itself cannot be interrupted).
 */
export async function runTiles(
  passes: readonly TilePass[],
  { signal, onProgress }: RunTilesOptions = {},
): Promise<void> {
  const total = passes.reduce((n, pass) => n + pass.tiles.length, 0);
  let done = 0;
  onProgress?.(0, total);
  for (const pass of passes) {
    for (const tile of pass.tiles) {
      throwIfCancelled(signal);
      await pass.process(tile);
      onProgress?.(++done, total);
    }
  }
  throwIfCancelled(signal);
}

/** A FIFO queue that runs one task at a time. */
export interface SerialQueue {
  /** Runs `task` after every task queued before it; rejects with CancelledError as soon as `signal` aborts while waiting. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

/**
 * Creates a serial queue. Concurrent enhancements share the CPU threads and the memory budget, so running their
 * inference one at a time keeps the working set to one tile and finishes the first request first.
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      let started = false;
      const result = tail.then(() => {
        started = true;
        throwIfCancelled(signal);
        return task();
      });
      tail = result.catch(() => undefined);
      if (!signal) return result;
      return new Promise<T>((resolve, reject) => {
        // Once started, the task watches the signal itself and stops within a tile; rejecting earlier would
        // let the caller move on while the task still holds its memory.
        const onAbort = () => {
          if (!started) reject(cancelledBy(signal));
        };
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
