// API-key authentication for writes: keys are configured as sha256 hashes, never in clear.
import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { getCookie } from 'hono/cookie';
import { ForbiddenError, UnauthorizedError } from '../errors/errors.ts';
import { anonymous, operatorKey, type Principal } from '../auth/principal.ts';

/** The sha256 (hex) of an API key: what configuration stores. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random API key (32 bytes, base64url), e.g. the local admin key of `pixelforge up`. */
export function generateApiKey(): string {
  return `pf_${randomBytes(32).toString('base64url')}`;
}

/** Parses `name:sha256hex,name2:sha256hex` into hash → name; throws on a malformed entry. */
export function parseApiKeyHashes(spec: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9._@-]{1,100}):([0-9a-f]{64})$/.exec(entry);
    if (!match) throw new Error(`PIXELFORGE_API_KEYS: ${JSON.stringify(entry)} is not name:sha256hex`);
    keys.set(match[2]!, match[1]!);
  }
  return keys;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ApiKeyAuthOptions {
  /** hash → key name, from parseApiKeyHashes: the operator's keys, administrators. */
  keys: Map<string, string>;
  /** Verifies bearer access tokens; without it only keys authenticate. */
  tokens?: Pick<AccessTokens, 'verify'>;
  /** Anyone may read everything (PIXELFORGE_PUBLIC_READS=true); otherwise reads need a token or a key. */
  publicReads?: boolean;
  /** Whether the login of an access token (its `sid`) has ended; absent: tokens live to their expiry. */
  sessionEnded?: (sessionId: string) => Promise<boolean>;
  /** Resolves a per-user key (`pfk_…`) to its principal; null when unknown or revoked. */
  userKey?: (key: string, publicReads: boolean) => Promise<Principal | null>;
}

/** Routes that authenticate by their bodies (a password, a refresh token) or by the refresh cookie. */
const SELF_AUTHENTICATED = /^\/v1\/auth\/(register|login|refresh|logout)$/;
const BROWSER_SESSION = /^\/v1\/auth\/session(\/refresh)?$/;

/** The web UI's session cookies (routes/browser-session.ts): an access token, or an operator key. */
export const ACCESS_COOKIE = 'pf_access';
export const KEY_COOKIE = 'pf_key';
/** Reads that describe the installation, not anyone's data: open to all, as a client needs them to start. */
const OPEN_READS = /^\/v1\/(info|models|event-schemas)$/;

/**
 * Authenticates the caller, recorded as `c.get('caller')`: a bearer access token (`user:<id>`, the account's
 * role) or an operator `X-API-Key` (`key:<name>`, an administrator); anyone else is anonymous. Anonymous
 * callers may read only with public reads on, and write only to the self-authenticated routes. A bearer token
 * or a key that does not verify is refused on any request, so that a client learns at once that it is stale.
 * What each caller may see and change is the services' decision (internal/auth/principal.ts).
 */
export function apiKeyAuth({
  keys,
  tokens,
  publicReads = false,
  userKey,
  sessionEnded,
}: ApiKeyAuthOptions): MiddlewareHandler<{ Variables: { caller: Principal } }> {
  /** The claims of a valid access token whose login has not ended. */
  const liveClaims = async (verifier: Pick<AccessTokens, 'verify'>, token: string) => {
    const claims = await verifier.verify(token);
    if (await sessionEnded?.(claims.sid))
      throw new UnauthorizedError(
        'this login has ended (logged out, or its refresh token was reused): log in again',
      );
    return claims;
  };
  return async function authenticate(c, next) {
    const authorization = c.req.header('authorization');
    if (authorization !== undefined && tokens) {
      const bearer = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(authorization);
      if (!bearer) throw new UnauthorizedError('the Authorization header must be `Bearer <access token>`');
      const claims = await liveClaims(tokens, bearer[1]!);
      c.set('caller', { actor: `user:${claims.sub}`, role: claims.role, publicReads });
      return next();
    }
    const key = c.req.header('x-api-key');
    if (key !== undefined) {
      // Keys are high-entropy random strings, so comparing their hashes leaks nothing useful.
      const name = keys.get(hashApiKey(key));
      const caller = name ? operatorKey(name, publicReads) : await userKey?.(key, publicReads);
      if (!caller) throw new UnauthorizedError('the X-API-Key is not valid (or was revoked)');
      // A scoped key reads only with `read`; what it may write, the services check against their scope.
      if (
        !WRITES.has(c.req.method) &&
        caller.scopes &&
        !caller.scopes.has('read') &&
        !caller.scopes.has('admin')
      )
        throw new ForbiddenError('this key lacks the read scope');
      c.set('caller', caller);
      return next();
    }
    if (BROWSER_SESSION.test(c.req.path) && c.req.method !== 'GET') {
      c.set('caller', anonymous(publicReads));
      return next();
    }
    const accessCookie = getCookie(c, ACCESS_COOKIE) || undefined;
    const keyCookie = getCookie(c, KEY_COOKIE) || undefined;
    if (accessCookie !== undefined || keyCookie !== undefined) {
      // A cookie goes with every request the browser makes, whoever's page asks: a write must be the page's own.
      if (WRITES.has(c.req.method))
        requireSameOrigin(c.req.header('sec-fetch-site'), c.req.header('origin'), c.req.url);
      if (accessCookie !== undefined) {
        if (!tokens) throw new UnauthorizedError('this installation has no accounts: log in with an API key');
        const claims = await liveClaims(tokens, accessCookie);
        c.set('caller', { actor: `user:${claims.sub}`, role: claims.role, publicReads });
        return next();
      }
      const name = keys.get(hashApiKey(keyCookie!));
      if (!name)
        throw new UnauthorizedError('the API key of this browser session is no longer valid: log in again');
      c.set('caller', operatorKey(name, publicReads));
      return next();
    }
    const open =
      SELF_AUTHENTICATED.test(c.req.path) || (!WRITES.has(c.req.method) && OPEN_READS.test(c.req.path));
    if (!open && (WRITES.has(c.req.method) || !publicReads)) throw new UnauthorizedError();
    c.set('caller', anonymous(publicReads));
    return next();
  };
}

/**
 * Refuses a cookie-authenticated write that another site's page may have made: the browser's own word
 * (`Sec-Fetch-Site`) when it gives one, else the `Origin` must be this server's. SameSite=Strict cookies already
 * stay home in today's browsers; this holds for older ones and for a sibling subdomain.
 */
function requireSameOrigin(site: string | undefined, origin: string | undefined, url: string): void {
  if (site !== undefined ? site === 'same-origin' : origin !== undefined && sameHost(origin, url)) return;
  throw new ForbiddenError('a write with session cookies must come from this site’s own pages');
}

function sameHost(origin: string, url: string): boolean {
  try {
    return new URL(origin).host === new URL(url).host;
  } catch {
    return false;
  }
}
