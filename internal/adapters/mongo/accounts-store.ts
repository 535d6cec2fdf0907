// The auth service's collections: `users` (a unique index on the compared e-mail) and `refresh_tokens` (by
// the token's hash, with a TTL index that lets MongoDB drop expired ones; the service checks expiry itself,
// because a TTL monitor runs once a minute and a Mongo-wire server may not run one at all).
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { AccountsStore, RefreshToken, User } from '../../auth/accounts.ts';
import { ConflictError } from '../../errors/errors.ts';

type UserDoc = Omit<User, 'id'> & { _id: string };
type TokenDoc = Omit<RefreshToken, 'hash'> & { _id: string };

const toUser = ({ _id, ...rest }: UserDoc): User => ({ id: _id, ...rest });
const toToken = ({ _id, ...rest }: TokenDoc): RefreshToken => ({ hash: _id, ...rest });

export function createAccountsStore(db: Db): AccountsStore & { ensureIndexes(): Promise<void> } {
  const users: Collection<UserDoc> = db.collection('users');
  const tokens: Collection<TokenDoc> = db.collection('refresh_tokens');
  // A revoked family is remembered by itself, so that a token a racing rotation adds afterwards is dead too.
  const revoked: Collection<{ _id: string; revokedAt: Date; expiresAt: Date }> =
    db.collection('revoked_sessions');
  return {
    async ensureIndexes() {
      await Promise.all([
        users.createIndex({ emailKey: 1 }, { unique: true }),
        tokens.createIndex({ familyId: 1 }),
        tokens.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 }),
        revoked.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 }),
      ]);
    },
    async createUser({ id, ...rest }) {
      try {
        await users.insertOne({ _id: id, ...rest });
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000)
          throw new ConflictError('the e-mail is taken');
        throw err;
      }
    },
    async userByEmailKey(emailKey) {
      const doc = await users.findOne({ emailKey });
      return doc ? toUser(doc) : null;
    },
    async userById(id) {
      const doc = await users.findOne({ _id: id });
      return doc ? toUser(doc) : null;
    },
    async setRole(userId, role) {
      return (await users.updateOne({ _id: userId }, { $set: { role } })).matchedCount === 1;
    },
    async users({ limit, after }) {
      const docs = await users
        .find(after ? { _id: { $gt: after } } : {})
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toUser);
    },
    async anyUser() {
      return (await users.countDocuments({}, { limit: 1 })) > 0;
    },
    async setPasswordHash(userId, passwordHash) {
      await users.updateOne({ _id: userId }, { $set: { passwordHash } });
    },
    async insertRefreshToken({ hash, ...rest }) {
      await tokens.insertOne({ _id: hash, ...rest });
    },
    async refreshToken(hash) {
      const doc = await tokens.findOne({ _id: hash });
      return doc ? toToken(doc) : null;
    },
    async rotate(hash, at) {
      // One compare-and-set: of two concurrent uses of the same token, exactly one matches.
      const result = await tokens.updateOne(
        { _id: hash, rotatedAt: null, revokedAt: null },
        { $set: { rotatedAt: at } },
      );
      return result.modifiedCount === 1;
    },
    async revokeFamily(familyId, at) {
      // Only a rotation racing the revocation can add a token after it, within moments: a year is ample.
      const expiresAt = new Date(at.getTime() + 366 * 86_400_000);
      await revoked.updateOne(
        { _id: familyId },
        { $setOnInsert: { revokedAt: at, expiresAt } },
        { upsert: true },
      );
      await tokens.updateMany({ familyId, revokedAt: null }, { $set: { revokedAt: at } });
    },
    async familyRevoked(familyId) {
      return (await revoked.countDocuments({ _id: familyId }, { limit: 1 })) > 0;
    },
  };
}
