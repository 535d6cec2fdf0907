// Per-user API keys: made and revoked by their owner, each narrowed to scopes, shown once and stored as their
// SHA-256 with the time they were last used. A key acts as its owner with the owner's current role, within its
// scopes; an operator's keys (PIXELFORGE_API_KEYS) are configuration, not these.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors/errors.ts';
import { newId } from '../ids/ids.ts';
import type { AccountsStore } from './accounts.ts';
import { SCOPES, type Principal, type Scope } from './principal.ts';

export interface ApiKeyRecord {
  id: string;
  /** SHA-256 (hex) of the key: the key itself is never stored. */
  hash: string;
  userId: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  byHash(hash: string): Promise<ApiKeyRecord | null>;
  /** The user's keys that are not revoked, oldest first. */
  forUser(userId: string): Promise<ApiKeyRecord[]>;
  /** Revokes the user's key; false when the user has no such key (or it is revoked already). */
  revoke(userId: string, id: string, at: Date): Promise<boolean>;
  touch(id: string, at: Date): Promise<void>;
}

export const NewApiKey = z
  .object({
    name: z.string().trim().min(1, 'name the key (what will use it?)').max(100),
    scopes: z
      .array(z.enum(SCOPES, { error: `scopes are ${SCOPES.join(', ')}` }))
      .min(1, `give at least one scope: ${SCOPES.join(', ')}`)
      .max(SCOPES.length),
  })
  .strict();

/** What a key shows after it is made: everything but the secret. */
export interface ApiKeyView {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: Date;
  lastUsedAt: Date | null;
}

const view = ({ id, name, scopes, createdAt, lastUsedAt }: ApiKeyRecord): ApiKeyView => ({
  id,
  name,
  scopes,
  createdAt,
  lastUsedAt,
});
const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');
/** Writing `lastUsedAt` on every request would make each read a write: once a minute is precise enough. */
const TOUCH_EVERY_MS = 60_000;

export function createApiKeys({
  store,
  users,
  now = () => new Date(),
}: {
  store: ApiKeyStore;
  users: Pick<AccountsStore, 'userById'>;
  now?: () => Date;
}) {
  /** Keys are made and managed from a login, not from another key (a stolen key cannot mint more). */
  const ownerOf = (caller: Principal): string => {
    if (caller.role === 'anonymous') throw new UnauthorizedError();
    if (!caller.actor.startsWith('user:') || caller.scopes)
      throw new ForbiddenError('API keys are managed from a login session (pixelforge login, or the web UI)');
    return caller.actor.slice('user:'.length);
  };

  return {
    /** A new key for the caller; the only time its secret is shown. */
    async create(caller: Principal, input: unknown): Promise<ApiKeyView & { key: string }> {
      const userId = ownerOf(caller);
      const parsed = NewApiKey.safeParse(input);
      if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
      const scopes = [...new Set(parsed.data.scopes)];
      if (scopes.includes('admin') && caller.role !== 'admin')
        throw new ForbiddenError('only administrators may make keys with the admin scope');
      const key = `pfk_${randomBytes(32).toString('base64url')}`;
      const record: ApiKeyRecord = {
        id: newId(),
        hash: digest(key),
        userId,
        name: parsed.data.name,
        scopes,
        createdAt: now(),
        lastUsedAt: null,
        revokedAt: null,
      };
      await store.insert(record);
      return { ...view(record), key };
    },

    async list(caller: Principal): Promise<ApiKeyView[]> {
      return (await store.forUser(ownerOf(caller))).map(view);
    },

    /** Revokes one of the caller's keys; another's id is as unknown as a made-up one. */
    async revoke(caller: Principal, id: string): Promise<void> {
      if (!(await store.revoke(ownerOf(caller), id, now()))) throw new NotFoundError('key', id);
    },

    /** The principal of a per-user key; null when it is unknown or revoked, or its owner is gone. */
    async authenticate(key: string, publicReads = false): Promise<Principal | null> {
      if (!key.startsWith('pfk_') || key.length > 100) return null;
      const record = await store.byHash(digest(key));
      if (!record || record.revokedAt) return null;
      const user = await users.userById(record.userId);
      if (!user) return null;
      const at = now();
      if (!record.lastUsedAt || at.getTime() - record.lastUsedAt.getTime() >= TOUCH_EVERY_MS)
        void store.touch(record.id, at).catch(() => {});
      return { actor: `user:${user.id}`, role: user.role, scopes: new Set(record.scopes), publicReads };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
