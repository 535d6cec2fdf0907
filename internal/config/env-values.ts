// Parsers for environment values, with messages that name what was expected.
import { z } from 'zod';

/** A whole number from `min` to `max`, given as a string. */
export const envInt = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/**
 * Named MongoDB connection strings, `name=mongodb://…` separated by whitespace or commas (a connection string
 * has commas of its own only in its host list, which a `name=` after them does not follow).
 */
export const envSources = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const sources = new Map<string, string>();
    for (const entry of value
      .trim()
      .split(/[\s,]+(?=[A-Za-z0-9_-]+=)/)
      .filter(Boolean)) {
      const match = /^([A-Za-z0-9_-]{1,64})=(mongodb(?:\+srv)?:\/\/\S+)$/.exec(entry.replace(/,$/, ''));
      if (!match) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(entry.slice(0, 40))} is not name=mongodb://…`,
        });
        continue;
      }
      sources.set(match[1]!, match[2]!);
    }
    return sources;
  });

/** `true`/`false`/`1`/`0`, as a boolean. */
export const envBool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');

/**
 * Comma-separated browser origins (`https://app.example.com`), or `*` for any: the origins whose scripts may call
 * the API (CORS). Empty (the default): only the UI's own origin, which needs no CORS.
 */
export const envOrigins = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const origins = value
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    if (origins.length === 1 && origins[0] === '*') return origins;
    for (const origin of origins) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        // reported below
      }
      if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin)
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path), nor * alone`,
        });
    }
    return origins;
  });
