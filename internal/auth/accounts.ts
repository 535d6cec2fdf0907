// Accounts: registration, login, refresh and logout. Users and refresh tokens are the auth service's own
// state, not event read models: a password hash or a token must never travel on the event streams (which any
// projection and any NATS subscriber reads), and a refresh must be one atomic compare-and-set, which a
// projection that lags its stream cannot give. They live in MongoDB collections only this service writes.
//
// Refresh tokens are random, shown once, stored as their SHA-256, and rotated on every use: a token used a
// second time (stolen and replayed, or raced) revokes its whole family, so both the thief and the victim must
// log in again. Logout revokes the family.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from '../errors/errors.ts';
import { requireScope, type Principal } from './principal.ts';
import { createSessionRevocations } from './session-revocations.ts';
import { newId } from '../ids/ids.ts';
import type { AccessClaims, AccessTokens } from './access-tokens.ts';
import { hashPassword, needsRehash, passwordProblem, verifyPassword } from './passwords.ts';

export const ROLES = ['admin', 'reviewer', 'user'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  id: string;
  email: string;
  /** The e-mail as compared: trimmed, NFKC, lower case. Unique. */
  emailKey: string;
  passwordHash: string;
  role: Role;
  createdAt: Date;
}

export interface RefreshToken {
  /** SHA-256 of the token, hex: the token itself is never stored. */
  hash: string;
  familyId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  rotatedAt: Date | null;
  revokedAt: Date | null;
}

/** The auth service's storage (MongoDB in production: internal/adapters/mongo/accounts-store.ts). */
export interface AccountsStore {
  /** Throws ConflictError when the e-mail key is taken. */
  createUser(user: User): Promise<void>;
  userByEmailKey(emailKey: string): Promise<User | null>;
  userById(id: string): Promise<User | null>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;
  /** False when there is no such user. */
  setRole(userId: string, role: Role): Promise<boolean>;
  /** Users in id (creation) order, after `after`. */
  users(page: { limit: number; after?: string }): Promise<User[]>;
  anyUser(): Promise<boolean>;
  insertRefreshToken(token: RefreshToken): Promise<void>;
  refreshToken(hash: string): Promise<RefreshToken | null>;
  /** Marks the token rotated if it is neither rotated nor revoked; false when another use got there first. */
  rotate(hash: string, at: Date): Promise<boolean>;
  /** Ends a family: its tokens, and any token added to it later (a rotation racing the revocation). */
  revokeFamily(familyId: string, at: Date): Promise<void>;
  familyRevoked(familyId: string): Promise<boolean>;
}

export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: 'give an e-mail address' }));

export const Credentials = z.object({
  email: Email,
  password: z.string({ error: 'password is required' }).max(1024),
});

export const emailKey = (email: string) => email.trim().normalize('NFKC').toLowerCase();

export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: PublicUser;
}

export interface PublicUser {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
}

const publicUser = ({ id, email, role, createdAt }: User): PublicUser => ({ id, email, role, createdAt });

export interface AccountsOptions {
  store: AccountsStore;
  tokens: AccessTokens;
  refreshTtlMs?: number;
  now?: () => Date;
}

function requireAdmin(caller: Principal): void {
  if (caller.role === 'anonymous') throw new UnauthorizedError();
  if (caller.role !== 'admin') throw new ForbiddenError('only administrators manage accounts');
  requireScope(caller, 'admin');
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** One answer for every failed login, whatever failed: no way to tell which e-mail addresses have accounts. */
const LOGIN_REFUSED = 'the e-mail address or the password is wrong';

export function createAccounts({
  store,
  tokens,
  refreshTtlMs = 30 * 86_400_000,
  now = () => new Date(),
}: AccountsOptions) {
  const revocations = createSessionRevocations((familyId) => store.familyRevoked(familyId));
  const endFamily = async (familyId: string, at: Date) => {
    await store.revokeFamily(familyId, at);
    revocations.mark(familyId);
  };
  async function startSession(user: User, familyId = newId()): Promise<Session> {
    const token = `pfr_${randomBytes(32).toString('base64url')}`;
    const at = now();
    const expiresAt = new Date(at.getTime() + refreshTtlMs);
    await store.insertRefreshToken({
      hash: digest(token),
      familyId,
      userId: user.id,
      createdAt: at,
      expiresAt,
      rotatedAt: null,
      revokedAt: null,
    });
    const claims: AccessClaims = { sub: user.id, role: user.role, sid: familyId };
    const access = await tokens.issue(claims);
    return {
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: token,
      refreshTokenExpiresAt: expiresAt,
      user: publicUser(user),
    };
  }

  return {
    /** A new account with the `user` role (or `role`, for the first admin made at start-up). */
    async register(input: unknown, role: Role = 'user'): Promise<PublicUser> {
      const parsed = Credentials.safeParse(input);
      if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
      const { email, password } = parsed.data;
      const problem = passwordProblem(password, email);
      if (problem) throw new ValidationError(problem, { field: 'password' });
      const user: User = {
        id: newId(),
        email,
        emailKey: emailKey(email),
        passwordHash: await hashPassword(password),
        role,
        createdAt: now(),
      };
      await store.createUser(user).catch((err: unknown) => {
        if (err instanceof ConflictError)
          throw new ConflictError('an account with this e-mail address exists');
        throw err;
      });
      return publicUser(user);
    },

    async login(input: unknown): Promise<Session> {
      const parsed = Credentials.safeParse(input);
      if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
      const user = await store.userByEmailKey(emailKey(parsed.data.email));
      // The hash is checked even without a user (against a decoy), so both failures take the same time.
      const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? null);
      if (!user || !ok) throw new UnauthorizedError(LOGIN_REFUSED);
      if (needsRehash(user.passwordHash))
        await store.setPasswordHash(user.id, await hashPassword(parsed.data.password));
      return startSession(user);
    },

    async refresh(token: string): Promise<Session> {
      const found =
        typeof token === 'string' && token.length < 200 ? await store.refreshToken(digest(token)) : null;
      const at = now();
      if (!found || found.revokedAt || (await store.familyRevoked(found.familyId)))
        throw new UnauthorizedError('the refresh token is not valid: log in again');
      const reused = async () => {
        // Used before: whoever holds the family now may be a thief. End it for everyone.
        await endFamily(found.familyId, at);
        return new UnauthorizedError(
          'the refresh token was already used: every session of this login is ended',
        );
      };
      if (found.rotatedAt) throw await reused();
      if (found.expiresAt <= at) throw new UnauthorizedError('the refresh token has expired: log in again');
      if (!(await store.rotate(found.hash, at))) throw await reused();
      const user = await store.userById(found.userId);
      if (!user) throw new UnauthorizedError('the account no longer exists');
      return startSession(user, found.familyId);
    },

    /** Ends the login the refresh token belongs to; an unknown token is not an error (logging out twice is fine). */
    async logout(token: string): Promise<void> {
      const found =
        typeof token === 'string' && token.length < 200 ? await store.refreshToken(digest(token)) : null;
      if (found) await endFamily(found.familyId, now());
    },

    /** Whether the login an access token belongs to (its `sid`) has ended: logged out, or its refresh reused. */
    sessionEnded: (sessionId: string) => revocations.ended(sessionId),

    /**
     * The first administrator of an installation without accounts, with a generated password to print once;
     * null when there are accounts already (a restart, or someone registered first).
     */
    async ensureFirstAdmin(email: string): Promise<{ user: PublicUser; password: string } | null> {
      if (await store.anyUser()) return null;
      const password = randomBytes(18).toString('base64url');
      try {
        return { user: await this.register({ email, password }, 'admin'), password };
      } catch (err) {
        if (err instanceof ConflictError) return null;
        throw err;
      }
    },

    /** Every account, for administrators. */
    async users(caller: Principal, page: { limit: number; after?: string }): Promise<PublicUser[]> {
      requireAdmin(caller);
      return (await store.users(page)).map(publicUser);
    },

    /** Grants a role; it takes effect at the account's next login or refresh (within 15 minutes). */
    async setRole(caller: Principal, userId: string, role: Role): Promise<PublicUser> {
      requireAdmin(caller);
      if (caller.actor === `user:${userId}` && role !== 'admin')
        throw new ConflictError('an administrator cannot take away their own role: ask another one');
      if (!(await store.setRole(userId, role))) throw new NotFoundError('user', userId);
      return this.me(userId);
    },

    async me(userId: string): Promise<PublicUser> {
      const user = await store.userById(userId);
      if (!user) throw new UnauthorizedError('the account no longer exists');
      return publicUser(user);
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
