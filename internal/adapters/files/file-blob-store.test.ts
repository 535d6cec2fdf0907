// The file blob store against a real temporary directory: whole and ranged reads, checksums, failed writes
// leaving nothing, keys that would escape the root, and what a crash between the two renames leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createFileBlobStore } from './file-blob-store.ts';

async function withStore(
  run: (root: string, store: ReturnType<typeof createFileBlobStore>) => Promise<void>,
) {
  const root = await mkdtemp(join(tmpdir(), 'pf-blobs-'));
  try {
    const store = createFileBlobStore(root, { fsync: true });
    await store.ensureIndexes();
    await run(root, store);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('file blob store: put, stat, whole and ranged reads, delete', () =>
  withStore(async (_root, store) => {
    const bytes = randomBytes(100_000);
    const stored = await store.put(Readable.from([bytes.subarray(0, 3), bytes.subarray(3)]), {
      key: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7',
      contentType: 'image/png',
      metadata: { imageId: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7' },
    });
    assert.deepEqual(stored, {
      key: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7',
      sha256: createHash('sha256').update(bytes).digest('hex'),
      size: bytes.length,
    });
    const info = await store.stat(stored.key);
    assert.equal(info?.size, bytes.length);
    assert.equal(info?.contentType, 'image/png');
    assert.deepEqual(info?.metadata, { imageId: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7' });
    assert.deepEqual(await buffer(await store.get(stored.key)), bytes);
    assert.deepEqual(
      await buffer(await store.get(stored.key, { start: 10, end: 19 })),
      bytes.subarray(10, 20),
    );
    assert.equal(await store.delete(stored.key), true);
    assert.equal(await store.delete(stored.key), false);
    assert.equal(await store.stat(stored.key), null);
    await assert.rejects(store.get(stored.key), { code: 'not_found' });
  }));

test('file blob store: a failed write leaves no file; keys outside the root are refused', () =>
  withStore(async (root, store) => {
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(1000);
        throw new Error('client went away');
      })(),
    );
    await assert.rejects(store.put(failing, { key: 'half', contentType: 'image/png' }), /client went away/);
    assert.equal(await store.stat('half'), null);
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    for (const key of ['../escape', 'a/b', '', '.hidden']) {
      await assert.rejects(store.put(Readable.from([Buffer.from('x')]), { key, contentType: 'image/png' }), {
        code: 'not_found',
      });
      assert.equal(await store.stat(key), null);
      assert.equal(await store.delete(key), false);
    }
  }));

test('file blob store: metadata left without bytes by a crash is listed for the sweeper; old temporaries go', () =>
  withStore(async (root, store) => {
    await store.put(Readable.from([Buffer.from('kept')]), { key: 'kept', contentType: 'image/png' });
    await store.put(Readable.from([Buffer.from('torn')]), { key: 'torn', contentType: 'image/png' });
    // A crash after the metadata's rename and before the bytes': the blob does not exist yet.
    const shard = (await readdir(root)).find((d) => d !== 'tmp' && d.endsWith('rn'))!;
    await unlink(join(root, shard, 'torn'));
    assert.equal(await store.stat('torn'), null);
    const listed = [];
    for await (const blob of store.listStoredBefore(new Date(Date.now() + 60_000), 1)) listed.push(blob.key);
    assert.deepEqual(listed, ['kept', 'torn']);
    assert.equal(await store.delete('torn'), false);
    assert.deepEqual(
      (await readdir(join(root, shard))).filter((n) => n.startsWith('torn')),
      [],
    );

    // An interrupted write an hour old is removed at start-up; a fresh one (another process's) is not.
    await writeFile(join(root, 'tmp', 'old.abc'), 'x');
    await writeFile(join(root, 'tmp', 'new.abc'), 'x');
    const anHourAgo = new Date(Date.now() - 3700_000);
    await utimes(join(root, 'tmp', 'old.abc'), anHourAgo, anHourAgo);
    await store.ensureIndexes();
    assert.deepEqual(await readdir(join(root, 'tmp')), ['new.abc']);
  }));
