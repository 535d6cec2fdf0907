// Removes blobs whose upload event never arrived (an ingress that died between storing and publishing).
import type { BlobInfo, BlobStore } from '../ports/blob-store.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface OrphanSweeperDeps {
  blobs: BlobStore;
  /** True when some read model or tombstone still refers to the blob, or an unfinished job still needs it. */
  isReferenced(blob: BlobInfo): Promise<boolean>;
  /** True when the projector has applied everything published so far. */
  projectorCaughtUp(): Promise<boolean>;
  logger: Logger;
}

/**
 * One sweep: blobs older than `minAgeMs` that nothing refers to are removed. Only runs when the projector
 * has caught up, so a blob whose event is merely waiting in the stream is never mistaken for an orphan.
 */
export async function sweepOrphanBlobs(
  deps: OrphanSweeperDeps,
  minAgeMs: number,
  now = new Date(),
): Promise<number> {
  if (!(await deps.projectorCaughtUp())) return 0;
  let removed = 0;
  for await (const blob of deps.blobs.listStoredBefore(new Date(now.getTime() - minAgeMs), 500)) {
    if (await deps.isReferenced(blob)) continue;
    if (await deps.blobs.delete(blob.key)) {
      removed++;
      deps.logger.info('orphan blob removed', { key: blob.key, createdAt: blob.createdAt });
    }
  }
  return removed;
}
