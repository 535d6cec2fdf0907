// Projection checkpoints in MongoDB: one document per ordered consumer in `projection_checkpoints`, in the
// database of the read models it describes.
import type { Db } from 'mongodb';
import type { Checkpoint } from '../../ports/checkpoint.ts';

export const CHECKPOINT_COLLECTION = 'projection_checkpoints';

interface CheckpointDoc {
  _id: string;
  seq: number;
}

/** The checkpoint of the consumer `name`. */
export function mongoCheckpoint(db: Db, name: string): Checkpoint {
  const checkpoints = db.collection<CheckpointDoc>(CHECKPOINT_COLLECTION);
  return {
    async load() {
      return (await checkpoints.findOne({ _id: name }))?.seq ?? 0;
    },
    async save(seq) {
      // $max: a late save of an older batch must never move the position back.
      await checkpoints.updateOne({ _id: name }, { $max: { seq } }, { upsert: true });
    },
    async reset() {
      await checkpoints.deleteOne({ _id: name });
    },
  };
}
