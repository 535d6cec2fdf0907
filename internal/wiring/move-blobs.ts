// Moves blobs from one store to another, for a data directory made before `pixelforge up` kept image bytes as
// files: each blob is copied, checked, then removed from the old store, so an interrupted move resumes.
import type { BlobStore } from '../ports/blob-store.ts';

/** Resolves with the number of blobs moved (0 when the old store is empty, which is the usual case). */
export async function moveAllBlobs(from: BlobStore, to: BlobStore): Promise<number> {
  let moved = 0;
  for await (const blob of from.listStoredBefore(new Date(Date.now() + 60_000), 100)) {
    const there = await to.stat(blob.key);
    if (!there || there.size !== blob.size) {
      const stored = await to.put(await from.get(blob.key), {
        key: blob.key,
        contentType: blob.contentType,
        metadata: blob.metadata,
      });
      if (stored.size !== blob.size)
        throw new Error(`moving blob ${blob.key}: ${stored.size} of ${blob.size} bytes`);
    }
    await from.delete(blob.key);
    moved++;
  }
  return moved;
}
