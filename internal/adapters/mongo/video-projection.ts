// Applies video events to the `videos` read model, idempotently and in batches, the way the image projection
// does: each document records the stream sequence of the last event applied to it, a deleted video leaves a
// tombstone so that replaying its past does not bring it back, and a batch writes tombstones before documents.
import type { AnyEvent } from '../../events/catalog.ts';
import type { ProjectionResult, SequencedEvent } from './image-projection.ts';
import type { ReadModels, VideoDoc } from './read-models.ts';

type VideoEvent = Extract<
  AnyEvent,
  { type: 'pf.video.uploaded' | 'pf.video.variant_added' | 'pf.video.deleted' }
>;

export function isVideoEvent(event: AnyEvent): event is VideoEvent {
  return event.type.startsWith('pf.video.');
}

/** The video projection; like the image projection, it needs one writer applying events in stream order. */
export function createVideoProjection(models: ReadModels) {
  async function applyBatch(items: SequencedEvent[]): Promise<ProjectionResult[]> {
    const ids = [...new Set(items.flatMap(({ event }) => (isVideoEvent(event) ? [event.data.videoId] : [])))];
    if (ids.length === 0) return items.map(() => 'skipped');
    const [docs, tombstoneDocs] = await Promise.all([
      models.videos.find({ _id: { $in: ids } }).toArray(),
      models.videoTombstones.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray(),
    ]);
    const videos = new Map<string, VideoDoc | null>(docs.map((d) => [d._id, d]));
    const tombstoned = new Set(tombstoneDocs.map((t) => t._id));
    const changed = new Set<string>();
    const newTombstones: { _id: string; seq: number; deletedAt: Date }[] = [];

    const results = items.map(({ event, seq }): ProjectionResult => {
      if (!isVideoEvent(event)) return 'skipped';
      const id = event.data.videoId;
      const previous = videos.get(id) ?? null;
      if (!previous && tombstoned.has(id)) return 'skipped';
      if (previous && previous.lastSeq >= seq) return 'skipped';
      const at = new Date(event.time);
      if (event.type === 'pf.video.uploaded') {
        if (previous) return 'skipped';
        const { videoId: _id, uploader, ...facts } = event.data;
        videos.set(id, {
          ...facts,
          _id: id,
          uploader: uploader ?? null,
          owner: event.actor,
          createdAt: at,
          updatedAt: at,
          variants: [],
          lastSeq: seq,
          lastEventId: event.id,
        });
      } else if (!previous) {
        return 'unknown-image';
      } else if (event.type === 'pf.video.variant_added') {
        const { variant } = event.data;
        videos.set(id, {
          ...previous,
          variants: [...previous.variants.filter((v) => v.name !== variant.name), variant],
          lastSeq: seq,
          lastEventId: event.id,
        });
      } else {
        videos.set(id, null);
        tombstoned.add(id);
        newTombstones.push({ _id: id, seq, deletedAt: at });
      }
      changed.add(id);
      return 'applied';
    });

    if (newTombstones.length) {
      await models.videoTombstones.bulkWrite(
        newTombstones.map(({ _id, ...rest }) => ({
          updateOne: { filter: { _id }, update: { $setOnInsert: rest }, upsert: true },
        })),
        { ordered: true },
      );
    }
    if (changed.size) {
      await models.videos.bulkWrite(
        [...changed].map((id) => {
          const doc = videos.get(id);
          return doc
            ? { replaceOne: { filter: { _id: id }, replacement: doc, upsert: true } }
            : { deleteOne: { filter: { _id: id } } };
        }),
        { ordered: true },
      );
    }
    return results;
  }
  return { applyBatch };
}
