// Import requests: the schema's defaults and refusals, item ids, and group names from the template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupNameFor, ImportRequest, importItemId } from './import.ts';

test('a request gets the default source and group template; bad names are refused', () => {
  const parsed = ImportRequest.parse({ collection: 'hotels', scope: { kind: 'collection' } });
  assert.deepEqual([parsed.source, parsed.group], ['default', '{collection}/{_id}']);
  for (const bad of [
    { collection: 'system.users', scope: { kind: 'collection' } },
    { collection: 'hotels', database: 'a/b', scope: { kind: 'collection' } },
    { collection: 'hotels', scope: { kind: 'filter', filter: {} } },
    { collection: 'hotels', scope: { kind: 'document', id: { $oid: 'nope' } } },
    { collection: 'hotels', scope: { kind: 'collection' }, fields: ['$where'] },
  ])
    assert.equal(ImportRequest.safeParse(bad).success, false, JSON.stringify(bad));
});

test('item ids are stable per import and URL; group names fill the template', () => {
  assert.equal(importItemId('i1', 'http://a/x.jpg'), importItemId('i1', 'http://a/x.jpg'));
  assert.notEqual(importItemId('i1', 'http://a/x.jpg'), importItemId('i2', 'http://a/x.jpg'));
  const doc = { name: 'Casa Azul', address: { city: 'Lisbon' }, stars: 4 };
  assert.equal(groupNameFor('{collection}/{_id}', 'hotels', 'h1', doc), 'hotels/h1');
  assert.equal(
    groupNameFor('{address.city}: {name} ({stars}★)', 'hotels', 'h1', doc),
    'Lisbon: Casa Azul (4★)',
  );
  assert.equal(groupNameFor('{missing}', 'hotels', 'h1', doc), 'hotels/h1', 'an empty name falls back');
});
