// Parsers for environment values, with messages that name what was expected.
import { z } from 'zod';

/** A whole number from `min` to `max`, given as a string. */
export const envInt = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** `true`/`false`/`1`/`0`, as a boolean. */
export const envBool = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
