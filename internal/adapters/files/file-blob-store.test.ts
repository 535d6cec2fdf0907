// The file blob store against a real temporary directory: whole and ranged reads, checksums, failed writes
// leaving nothing, keys that would escape the root, damaged trailers, and blobs of the earlier layout (with
// what a crash between its two renames left).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
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

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

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
    assert.deepEqual(await filesUnder(root), []);
    for (const key of ['../escape', 'a/b', '', '.hidden']) {
      await assert.rejects(store.put(Readable.from([Buffer.from('x')]), { key, contentType: 'image/png' }), {
        code: 'not_found',
      });
      assert.equal(await store.stat(key), null);
      assert.equal(await store.delete(key), false);
    }
  }));

test('file blob store: a body of many chunks past the write buffer is whole; one aborted mid-way leaves nothing', () =>
  withStore(async (root, store) => {
    // 1.1 MB in 16 KiB chunks: several gathered writes, and a last one that carries the trailer.
    const bytes = randomBytes(1_100_000);
    const chunks = (b: Buffer) =>
      Array.from({ length: Math.ceil(b.length / 16384) }, (_, i) => b.subarray(i * 16384, (i + 1) * 16384));
    const stored = await store.put(Readable.from(chunks(bytes)), { key: 'big', contentType: 'image/jpeg' });
    assert.equal(stored.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal((await store.stat('big'))?.size, bytes.length);
    assert.deepEqual(await buffer(await store.get('big')), bytes);
    // A range past the end stops at the last byte, as HTTP ranges do.
    assert.deepEqual(
      await buffer(await store.get('big', { start: bytes.length - 5, end: bytes.length + 100 })),
      bytes.subarray(-5),
    );
    // An empty blob is a blob.
    await store.put(Readable.from([]), { key: 'empty', contentType: 'image/png' });
    assert.equal((await store.stat('empty'))?.size, 0);
    assert.deepEqual(await buffer(await store.get('empty')), Buffer.alloc(0));

    const abort = new AbortController();
    let sent = 0;
    const endless = Readable.from(
      (async function* () {
        for (;;) {
          yield randomBytes(16384);
          sent += 16384;
          if (sent > 600_000) abort.abort(new Error('cancelled'));
        }
      })(),
    );
    await assert.rejects(
      store.put(endless, { key: 'aborted', contentType: 'image/jpeg', signal: abort.signal }),
    );
    assert.equal(await store.stat('aborted'), null);
    assert.deepEqual((await filesUnder(root)).map((f) => basename(f)).sort(), ['big', 'empty']);
  }));

test('file blob store: a file whose trailer is cut or damaged is no blob', () =>
  withStore(async (root, store) => {
    const bytes = randomBytes(5000);
    for (const key of ['cut', 'damaged'])
      await store.put(Readable.from([bytes]), { key, contentType: 'image/png' });
    const [cut, damaged] = ['cut', 'damaged'].map((key) => join(root, key.slice(-2), key));
    await truncate(cut!, 5003);
    const handle = await open(damaged!, 'r+');
    await handle.write(Buffer.from('X'), 0, 1, 5000 + 2);
    await handle.close();
    for (const key of ['cut', 'damaged']) {
      assert.equal(await store.stat(key), null, key);
      await assert.rejects(store.get(key), { code: 'not_found' });
    }
  }));

test('file blob store: blobs of the earlier layout (metadata beside the bytes) are read, listed and deleted', () =>
  withStore(async (root, store) => {
    await store.put(Readable.from([Buffer.from('new')]), { key: 'fresh', contentType: 'image/png' });
    // The earlier layout by hand: `<shard>/<key>` holds only the bytes, `<key>.meta.json` the metadata.
    const createdAt = new Date(Date.now() - 60_000);
    const legacy = (key: string, size: number) =>
      JSON.stringify({ contentType: 'image/jpeg', metadata: { imageId: key }, createdAt, size });
    await mkdir(join(root, 'pt'), { recursive: true });
    await mkdir(join(root, 'rn'), { recursive: true });
    await writeFile(join(root, 'pt', 'kept'), 'old bytes');
    await writeFile(join(root, 'pt', 'kept.meta.json'), legacy('kept', 9));
    // A crash after the metadata's rename and before the bytes': the blob does not exist yet.
    await writeFile(join(root, 'rn', 'torn.meta.json'), legacy('torn', 4));
    assert.deepEqual(await store.stat('kept'), {
      key: 'kept',
      size: 9,
      contentType: 'image/jpeg',
      createdAt,
      metadata: { imageId: 'kept' },
    });
    assert.equal((await buffer(await store.get('kept'))).toString(), 'old bytes');
    assert.equal((await buffer(await store.get('kept', { start: 4, end: 8 }))).toString(), 'bytes');
    assert.equal(await store.stat('torn'), null);
    const listed = [];
    for await (const blob of store.listStoredBefore(new Date(Date.now() + 60_000), 1)) listed.push(blob.key);
    assert.deepEqual(listed.sort(), ['fresh', 'kept', 'torn']);
    assert.equal(await store.delete('torn'), false);
    assert.equal(await store.delete('kept'), true);
    assert.deepEqual(await filesUnder(root), [join('sh', 'fresh')]);
  }));

test('file blob store: interrupted writes an hour old are removed at start-up; fresh ones (another process’s) are not', () =>
  withStore(async (root, store) => {
    await mkdir(join(root, 'tmp'), { recursive: true });
    await mkdir(join(root, 'ab'), { recursive: true });
    const anHourAgo = new Date(Date.now() - 3700_000);
    for (const path of [
      join('tmp', 'old.abc'),
      join('tmp', 'new.abc'),
      join('ab', '.ab.1.tmp'),
      join('ab', '.ab.2.tmp'),
    ])
      await writeFile(join(root, path), 'x');
    for (const path of [join('tmp', 'old.abc'), join('ab', '.ab.1.tmp')])
      await utimes(join(root, path), anHourAgo, anHourAgo);
    await store.ensureIndexes();
    assert.deepEqual(await filesUnder(root), [join('ab', '.ab.2.tmp'), join('tmp', 'new.abc')]);
  }));
