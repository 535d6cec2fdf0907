// The GridFS blob store on the local Mongo-wire server: what it writes, the driver's GridFSBucket reads back.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { GridFSBucket } from 'mongodb';
import { connectMongo } from '../internal/adapters/mongo/connect.ts';
import { createGridFsBlobStore, deleteOrphanChunks } from '../internal/adapters/mongo/gridfs-blob-store.ts';
import { startMongoWire } from '../internal/adapters/local-servers/mongo-wire.ts';

test('GridFS blob store: chunked writes read back whole and by range; a failed write leaves nothing', async (t) => {
  await using server = await startMongoWire();
  await using mongo = await connectMongo(server.url, 'pf_blob_store_test');
  // A small chunk size, so that a few kB cross many chunk boundaries.
  const chunkSizeBytes = 1000;
  const store = createGridFsBlobStore(mongo.db, { chunkSizeBytes });
  await store.ensureIndexes();
  const files = mongo.db.collection('blobs.files');
  const chunks = mongo.db.collection('blobs.chunks');
  const bytes = randomBytes(10_500);
  // Pieces of uneven sizes: smaller than a chunk, straddling one, and larger than several.
  const pieces = [
    bytes.subarray(0, 10),
    bytes.subarray(10, 1990),
    bytes.subarray(1990, 9001),
    bytes.subarray(9001),
  ];

  await t.test('stored: size, checksum, files document and chunks as GridFS lays them out', async () => {
    const stored = await store.put(Readable.from(pieces), {
      key: 'blob-1',
      contentType: 'image/jpeg',
      metadata: { imageId: 'blob-1' },
    });
    assert.deepEqual(stored, {
      key: 'blob-1',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const file = await files.findOne({ _id: 'blob-1' as never });
    assert.equal(file?.length, bytes.length);
    assert.equal(file?.chunkSize, chunkSizeBytes);
    assert.deepEqual(file?.metadata, { imageId: 'blob-1', contentType: 'image/jpeg' });
    const sizes = (await chunks.find({ files_id: 'blob-1' }).sort({ n: 1 }).toArray()).map(
      (c) => c.data.buffer.length,
    );
    assert.deepEqual(sizes, [...Array(10).fill(1000), 500]);
    assert.deepEqual(await store.stat('blob-1'), {
      key: 'blob-1',
      size: bytes.length,
      contentType: 'image/jpeg',
      createdAt: file?.uploadDate,
      metadata: { imageId: 'blob-1' },
    });
  });

  await t.test('read back whole, by ranges across chunk boundaries, and by the driver itself', async () => {
    assert.ok((await buffer(await store.get('blob-1'))).equals(bytes));
    for (const [start, end] of [
      [0, 0],
      [999, 1000],
      [1500, 7321],
      [10_000, 10_499],
    ] as const) {
      const part = await buffer(await store.get('blob-1', { start, end }));
      assert.ok(part.equals(bytes.subarray(start, end + 1)), `bytes ${start}-${end}`);
    }
    const bucket = new GridFSBucket(mongo.db, { bucketName: 'blobs' });
    assert.ok((await buffer(bucket.openDownloadStream('blob-1' as never))).equals(bytes));
  });

  await t.test('a source failing midway: put rejects, and no chunk or files document remains', async () => {
    const failing = Readable.from(
      (async function* () {
        yield bytes.subarray(0, 4500);
        throw new Error('the client went away');
      })(),
    );
    await assert.rejects(store.put(failing, { key: 'blob-2', contentType: 'image/jpeg' }), /went away/);
    assert.equal(await chunks.countDocuments({ files_id: 'blob-2' }), 0);
    assert.equal(await files.countDocuments({ _id: 'blob-2' as never }), 0);
  });

  await t.test('an empty blob is a files document without chunks', async () => {
    const stored = await store.put(Readable.from([]), { key: 'blob-3', contentType: 'image/png' });
    assert.equal(stored.size, 0);
    assert.equal((await buffer(await store.get('blob-3'))).length, 0);
    assert.equal(await chunks.countDocuments({ files_id: 'blob-3' }), 0);
  });

  await t.test(
    'deleteOrphanChunks drops the chunks of an upload killed before its files document',
    async () => {
      // What a kill -9 between GridFS's chunk writes and its files document leaves behind.
      await chunks.insertOne({ files_id: 'killed-upload', n: 0, data: Buffer.from('partial') });
      const owned = await chunks.countDocuments({ files_id: { $ne: 'killed-upload' } });
      assert.equal(await deleteOrphanChunks(mongo.db), 1);
      assert.equal(await chunks.countDocuments({ files_id: 'killed-upload' }), 0);
      assert.equal(await chunks.countDocuments(), owned, 'the chunks of stored blobs stay');
      assert.equal(await deleteOrphanChunks(mongo.db), 0);
    },
  );
});

test('GridFS blob store: listStoredBefore yields every blob, oldest first, however small the page', async () => {
  await using server = await startMongoWire();
  await using mongo = await connectMongo(
    process.env.MONGO_URL ?? server.url,
    `pf_list_${randomBytes(4).toString('hex')}`,
  );
  const store = createGridFsBlobStore(mongo.db);
  await store.ensureIndexes();
  const keys = [];
  for (let i = 0; i < 7; i++) {
    keys.push(`blob-${i}`);
    await store.put(Readable.from([randomBytes(10)]), { key: `blob-${i}`, contentType: 'image/png' });
    await new Promise((r) => setTimeout(r, 2));
  }
  const listed = [];
  for await (const blob of store.listStoredBefore(new Date(Date.now() + 60_000), 2)) listed.push(blob.key);
  assert.deepEqual(listed, keys);
  if (process.env.MONGO_URL) await mongo.db.dropDatabase();
});
