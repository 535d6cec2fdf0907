// The MongoDB query an import selects documents with, as a user sent it: a plain query document whose
// operators only compare and match. Anything that runs code on the server ($where, $function, $accumulator,
// $expr, which can reach them) is refused by name, as is every operator not on the list, and the document is
// bounded in size and depth, so that an import cannot be used to run JavaScript in, or exhaust, a database
// the operator pointed Pixelforge at.
import { ValidationError } from '../errors/errors.ts';

/** Query operators an import filter may use: comparison, logic, element, array and string matching. */
const ALLOWED = new Set([
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$and',
  '$or',
  '$nor',
  '$not',
  '$exists',
  '$type',
  '$all',
  '$elemMatch',
  '$size',
  '$regex',
  '$options',
  '$mod',
]);

/** Operators that run code, or can: named in the refusal so the user knows why. */
const CODE = new Set(['$where', '$function', '$accumulator', '$expr', '$jsonSchema']);

export const FILTER_LIMITS = { maxBytes: 16 * 1024, maxDepth: 8, maxKeys: 200, maxRegexLength: 256 };

/** Checks `filter` and returns it; a ValidationError names the first thing wrong and where. */
export function checkImportFilter(filter: unknown, limits = FILTER_LIMITS): Record<string, unknown> {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter))
    throw new ValidationError('filter must be a JSON object (a MongoDB query document)');
  const size = Buffer.byteLength(JSON.stringify(filter));
  if (size > limits.maxBytes)
    throw new ValidationError(`filter is ${size} bytes; at most ${limits.maxBytes} are accepted`);
  let keys = 0;
  const walk = (value: unknown, path: string, depth: number): void => {
    if (depth > limits.maxDepth)
      throw new ValidationError(`filter nests deeper than ${limits.maxDepth} levels at ${path}`);
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    for (const [key, inner] of Object.entries(value)) {
      if (++keys > limits.maxKeys) throw new ValidationError(`filter has more than ${limits.maxKeys} keys`);
      const at = path ? `${path}.${key}` : key;
      if (key.startsWith('$')) {
        if (CODE.has(key))
          throw new ValidationError(
            `filter may not use ${key} (at ${at}): it runs code on the database server`,
          );
        if (!ALLOWED.has(key))
          throw new ValidationError(
            `filter may not use ${key} (at ${at}); the operators accepted are ${[...ALLOWED].join(', ')}`,
          );
        if (key === '$regex' && typeof inner === 'string' && inner.length > limits.maxRegexLength)
          throw new ValidationError(`$regex at ${at} is longer than ${limits.maxRegexLength} characters`);
      } else if (key.includes('\u0000')) {
        throw new ValidationError('filter field names may not contain NUL characters');
      }
      walk(inner, at, depth + 1);
    }
  };
  walk(filter, '', 1);
  return filter as Record<string, unknown>;
}
