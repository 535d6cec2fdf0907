// API-key authentication for writes: keys are configured as sha256 hashes, never in clear.
import { createHash, randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
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
}

/** Requires a known `X-API-Key` on writes and records its name as the actor (`c.get('actor')`). */
export function apiKeyAuth({ keys }: ApiKeyAuthOptions): MiddlewareHandler<{ Variables: { actor: string } }> {
  return async function requireApiKey(c, next) {
    if (!WRITES.has(c.req.method)) {
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
