// Import filters: plain queries pass; code, unknown operators, and oversized or deep documents are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImportFilter } from './filter.ts';

test('plain queries pass unchanged', () => {
  const filter = {
    city: 'Lisbon',
    stars: { $gte: 4 },
    $or: [{ photos: { $exists: true } }, { tags: { $in: ['sea'] } }],
  };
  assert.deepEqual(checkImportFilter(filter), filter);
  assert.deepEqual(checkImportFilter({}), {});
});

test('operators that run code are refused by name, wherever they hide', () => {
  for (const [filter, named] of [
    [{ $where: 'sleep(10000)' }, '$where'],
    [{ $expr: { $function: { body: 'x', args: [], lang: 'js' } } }, '$expr'],
    [{ a: { $elemMatch: { $where: 'true' } } }, '$where'],
    [{ $and: [{ b: 1 }, { $accumulator: {} }] }, '$accumulator'],
  ] as const)
    assert.throws(() => checkImportFilter(filter), new RegExp(`\\${named}.*runs code`));
});

test('unknown operators, bad shapes and oversized documents are refused with a sentence', () => {
  assert.throws(() => checkImportFilter({ a: { $lookup: {} } }), /may not use \$lookup/);
  assert.throws(() => checkImportFilter([{ a: 1 }]), /must be a JSON object/);
  assert.throws(() => checkImportFilter('{"a":1}'), /must be a JSON object/);
  assert.throws(() => checkImportFilter(null), /must be a JSON object/);
  let deep: Record<string, unknown> = { a: 1 };
  for (let i = 0; i < 10; i++) deep = { $and: [deep] };
  assert.throws(() => checkImportFilter(deep), /nests deeper than 8/);
  assert.throws(() => checkImportFilter({ a: 'x'.repeat(20_000) }), /at most 16384/);
  assert.throws(() => checkImportFilter({ a: { $regex: 'a'.repeat(300) } }), /longer than 256/);
  const wide = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`k${i}`, i]));
  assert.throws(() => checkImportFilter(wide), /more than 200 keys/);
});
