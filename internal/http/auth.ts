// API-key authentication for writes: keys are configured as sha256 hashes, never in clear.
import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AccessTokens } from '../auth/access-tokens.ts';
import { UnauthorizedError } from '../errors/errors.ts';

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
  /** hash → key name, from parseApiKeyHashes. */
  keys: Map<string, string>;
  /** Verifies bearer access tokens; without it only keys authenticate. */
  tokens?: Pick<AccessTokens, 'verify'>;
}

/** Routes that authenticate by their bodies (a password, a refresh token). */
const SELF_AUTHENTICATED = /^\/v1\/auth\/(register|login|refresh|logout)$/;

/**
 * Authenticates the caller: a bearer access token (`user:<id>`) or a known `X-API-Key` (`key:<name>`), recorded
 * as the actor (`c.get('actor')`). Writes need one of them; a bearer token that does not verify is refused on
 * any request, so that a client learns at once that its token is stale.
 */
export function apiKeyAuth({
  keys,
  tokens,
}: ApiKeyAuthOptions): MiddlewareHandler<{ Variables: { actor: string } }> {
  return async function requireApiKey(c, next) {
    const authorization = c.req.header('authorization');
    if (authorization !== undefined && tokens) {
      const bearer = /^Bearer ([A-Za-z0-9_.-]{1,4096})$/.exec(authorization);
      if (!bearer) throw new UnauthorizedError('the Authorization header must be `Bearer <access token>`');
      const claims = await tokens.verify(bearer[1]!);
      c.set('actor', `user:${claims.sub}`);
      return next();
    }
    if (!WRITES.has(c.req.method) || SELF_AUTHENTICATED.test(c.req.path)) {
      c.set('actor', 'anonymous');
      return next();
    }
    const key = c.req.header('x-api-key');
    // Keys are high-entropy random strings, so comparing their hashes leaks nothing useful.
    const name = key ? keys.get(hashApiKey(key)) : undefined;
    if (!name) throw new UnauthorizedError(key ? 'the X-API-Key is not valid' : undefined);
    c.set('actor', `key:${name}`);
    return next();
  };
}
