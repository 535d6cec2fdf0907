// A canonical dump of the read models, to compare them byte for byte.
import { EJSON } from 'bson';
import type { Db } from 'mongodb';
import { READ_MODEL_COLLECTIONS } from '../../internal/adapters/mongo/read-models.ts';

/** Every read-model document, each collection sorted by `_id`, as canonical extended JSON. */
export async function dumpReadModels(db: Db): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const name of READ_MODEL_COLLECTIONS) {
    out[name] = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
  }
  return EJSON.stringify(out, { relaxed: false });
}
