// Per-user API keys in the auth service's `api_keys` collection, by the key's hash, indexed by owner.
import type { Collection, Db } from 'mongodb';
import type { ApiKeyRecord, ApiKeyStore } from '../../auth/api-keys.ts';

type KeyDoc = Omit<ApiKeyRecord, 'hash'> & { _id: string };
const toRecord = ({ _id, ...rest }: KeyDoc): ApiKeyRecord => ({ hash: _id, ...rest });

export function createApiKeyStore(db: Db): ApiKeyStore & { ensureIndexes(): Promise<void> } {
  const keys: Collection<KeyDoc> = db.collection('api_keys');
  return {
    async ensureIndexes() {
      await keys.createIndex({ userId: 1, createdAt: 1 });
      await keys.createIndex({ id: 1 }, { unique: true });
    },
    async insert({ hash, ...rest }) {
      await keys.insertOne({ _id: hash, ...rest });
    },
    async byHash(hash) {
      const doc = await keys.findOne({ _id: hash });
      return doc ? toRecord(doc) : null;
    },
    async forUser(userId) {
      const docs = await keys.find({ userId, revokedAt: null }).sort({ createdAt: 1 }).toArray();
      return docs.map(toRecord);
    },
    async revoke(userId, id, at) {
      const result = await keys.updateOne({ id, userId, revokedAt: null }, { $set: { revokedAt: at } });
      return result.modifiedCount === 1;
    },
    async touch(id, at) {
      await keys.updateOne({ id }, { $set: { lastUsedAt: at } });
    },
  };
}
