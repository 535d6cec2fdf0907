// Who is calling, and what they may see and change: the one policy every service method asks first.
//
// Roles: `admin` sees and changes everything; `reviewer` sees everything and moves any image through review;
// `user` sees and changes their own images, groups, videos and jobs. Data a caller may not see answers
// NotFoundError, exactly like an unknown id, so that ids cannot be probed. A key narrows its holder's role to
// its scopes. With public reads on (PIXELFORGE_PUBLIC_READS=true), everyone, anonymous included, sees
// everything; changes still need the rights above, and a change to data one can see but not change is 403.
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors/errors.ts';
import type { Role } from './accounts.ts';

export const SCOPES = ['read', 'images:write', 'jobs:write', 'imports:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** Who events record as the actor, and what data is owned by: `user:<id>`, `key:<name>`, `anonymous`. */
  actor: string;
  role: Role | 'anonymous';
  /** What a scoped key may do; absent for a session or an operator key: everything the role may. */
  scopes?: ReadonlySet<Scope>;
  /** Everyone may read everything (the operator's public gallery). */
  publicReads?: boolean;
}

/** The actor of anything Pixelforge does on its own (projections, the controller). */
export const SYSTEM: Principal = { actor: 'system', role: 'admin' };

/** An operator key of PIXELFORGE_API_KEYS: an administrator. */
export function operatorKey(name: string, publicReads = false): Principal {
  return { actor: `key:${name}`, role: 'admin', publicReads };
}

export function anonymous(publicReads = false): Principal {
  return { actor: 'anonymous', role: 'anonymous', publicReads };
}

/** Refuses a scoped key without `scope` (an `admin` key has every scope). */
export function requireScope(caller: Principal, scope: Scope): void {
  if (caller.scopes && !caller.scopes.has(scope) && !caller.scopes.has('admin'))
    throw new ForbiddenError(`this key lacks the ${scope} scope`);
}

/**
 * Refuses anonymous callers of an installation without public reads. (A key's `read` scope is checked per
 * request by the HTTP layer: it governs GETs, while a write scope may look up what it writes to.)
 */
export function requireRead(caller: Principal): void {
  if (caller.role === 'anonymous' && !caller.publicReads) throw new UnauthorizedError();
}

/** The owner lists are narrowed to: undefined when the caller sees everything. */
export function visibleOwner(caller: Principal): string | undefined {
  requireRead(caller);
  if (caller.publicReads || caller.role === 'admin' || caller.role === 'reviewer') return undefined;
  return caller.actor;
}

/**
 * The owner to list for an `owner` query parameter: `me` is the caller; another owner is for those who see
 * everything (for the rest, it lists nothing rather than saying whether that owner exists).
 */
export function listOwner(caller: Principal, requested?: string): string | undefined {
  const visible = visibleOwner(caller);
  if (requested === undefined) return visible;
  const wanted = requested === 'me' ? caller.actor : requested;
  if (visible !== undefined && wanted !== visible) return `${visible}\u0000none`;
  return wanted;
}

export function canSee(caller: Principal, owner: string | null | undefined): boolean {
  const visible = visibleOwner(caller);
  return visible === undefined || owner === visible;
}

/** The entity, when the caller may see it; NotFoundError (as for an unknown id) when not. */
export function seen<T extends { owner?: string | null }>(
  caller: Principal,
  entity: T | null,
  what: string,
  id: string,
): T {
  if (!entity || !canSee(caller, entity.owner)) throw new NotFoundError(what, id);
  return entity;
}

/**
 * Checks that the caller may change an entity owned by `owner` with `scope`: its owner and admins may; a
 * reviewer may when `reviewing`. What the caller may not even see is NotFoundError.
 */
export function requireChange(
  caller: Principal,
  owner: string | null | undefined,
  scope: Scope,
  what: string,
  id: string,
  options: { reviewing?: boolean } = {},
): void {
  if (caller.role === 'anonymous') throw new UnauthorizedError();
  requireScope(caller, scope);
  if (!canSee(caller, owner)) throw new NotFoundError(what, id);
  const allowed =
    caller.role === 'admin' ||
    (owner != null && owner === caller.actor) ||
    (options.reviewing === true && caller.role === 'reviewer');
  if (!allowed) throw new ForbiddenError(`${what} ${id} belongs to someone else`);
}

/** Checks that the caller may create data with `scope` (anyone known may, within their key's scopes). */
export function requireCreate(caller: Principal, scope: Scope): void {
  if (caller.role === 'anonymous') throw new UnauthorizedError();
  requireScope(caller, scope);
}

/**
 * The namespace of the caller's group names: each account has its own (two users may both have a
 * "Holiday"); operator keys and the system share the installation's.
 */
export function groupNamespace(caller: Principal): string | undefined {
  return caller.actor.startsWith('user:') ? caller.actor : undefined;
}
