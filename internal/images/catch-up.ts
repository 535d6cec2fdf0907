// Read-your-writes for lookups by id: on a miss, wait once for the projector to apply what is already published.
import type { ProjectionProgress } from './views.ts';

/** A lookup wrapper over `progress`: a miss waits up to `catchUpMs` for the projector, then looks again. */
export function catchUpLookup(progress: ProjectionProgress, catchUpMs: number) {
  return async <T>(lookup: () => Promise<T | null>): Promise<T | null> => {
    const found = await lookup();
    if (found) return found;
    const latest = await progress.latestPublished();
    return (await progress.waitFor(latest, catchUpMs)) ? lookup() : null;
  };
}
