// Structural-schema conversion: unions of objects, no `additionalProperties: false`, RE2-safe patterns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StructuralSchemaError, toStructuralSchema } from './structural-schema.ts';

test('a union of objects declares every property once, with oneOf saying which is required', () => {
  const out = toStructuralSchema({
    anyOf: [
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
      { type: 'object', properties: { b: { type: 'integer' } }, required: ['b'] },
    ],
  });
  assert.deepEqual(out, {
    type: 'object',
    properties: { a: { type: 'string' }, b: { type: 'integer' } },
    oneOf: [{ required: ['a'] }, { required: ['b'] }],
  });
});

test('fractional bounds become CEL rules; formats drop their regex; lookaround is refused', () => {
  const number = toStructuralSchema({ type: 'number', minimum: 0.1, maximum: 16 });
  assert.deepEqual(number['x-kubernetes-validations'], [
    { rule: 'self >= 0.1', message: 'must be at least 0.1' },
  ]);
  assert.equal(
    toStructuralSchema({ type: 'string', format: 'date-time', pattern: '^(?=x)' }).pattern,
    undefined,
  );
  assert.throws(() => toStructuralSchema({ type: 'string', pattern: '^(?!x)' }), StructuralSchemaError);
  assert.throws(() => toStructuralSchema({ anyOf: [{ type: 'string' }] }), StructuralSchemaError);
});
