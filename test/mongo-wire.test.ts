// End-to-end checks of the local Mongo-wire server through the real mongodb driver: what the project relies on, and the gaps.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { GridFSBucket, MongoClient, MongoServerError, ObjectId } from 'mongodb';
import type { Db, Document } from 'mongodb';
import { startMongoWire } from '../internal/adapters/local-servers/mongo-wire.ts';
import type { MongoWireServer } from '../internal/adapters/local-servers/mongo-wire.ts';

describe('Mongo-wire server through the mongodb driver', () => {
  let server: MongoWireServer;
  let client: MongoClient;
  let db: Db;

  before(async () => {
    server = await startMongoWire();
    client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 });
    db = client.db('mongo_wire_test');
  });
  after(async () => {
    await client?.close();
    await server?.stop();
  });

  test('declares MongoDB 7.0 (wire version 21), which the 7.x driver accepts', async () => {
    const info = await db.admin().command({ buildInfo: 1 });
    assert.equal(info.version, '7.0.0');
    const hello = await db.admin().command({ ismaster: 1 });
    assert.equal(hello.maxWireVersion, 21);
  });

  test('upsert with $inc creates a counter, then increments it; findOneAndUpdate returns the new state', async () => {
    const counters = db.collection<{ _id: string; n: number }>('counters');
    const first = await counters.updateOne({ _id: 'uploads' }, { $inc: { n: 1 } }, { upsert: true });
    assert.equal(first.upsertedCount, 1);
    await counters.updateOne({ _id: 'uploads' }, { $inc: { n: 1 } }, { upsert: true });
    const after = await counters.findOneAndUpdate(
      { _id: 'uploads' },
      { $inc: { n: 10 } },
      { returnDocument: 'after' },
    );
    assert.deepEqual(after, { _id: 'uploads', n: 12 });
  });

  test('a unique index rejects a duplicate with code 11000', async () => {
    const users = db.collection('users');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a@example.org' });
    await assert.rejects(users.insertOne({ email: 'a@example.org' }), { code: 11000 });
  });

  test('bulkWrite applies inserts, updates, deletes and upserts in one call', async () => {
    const items = db.collection('bulk');
    const result = await items.bulkWrite([
      { insertOne: { document: { k: 1 } } },
      { insertOne: { document: { k: 2 } } },
      { updateOne: { filter: { k: 1 }, update: { $set: { seen: true } } } },
      { deleteOne: { filter: { k: 2 } } },
      { updateOne: { filter: { k: 3 }, update: { $set: { seen: false } }, upsert: true } },
    ]);
    assert.deepEqual(
      [result.insertedCount, result.modifiedCount, result.deletedCount, result.upsertedCount],
      [2, 1, 1, 1],
    );
    assert.equal(await items.countDocuments({ seen: { $exists: true } }), 2);
    assert.equal(await items.estimatedDocumentCount(), 2);
  });

  test('GridFS stores 3 MB, streams it back whole and by byte range, and deletes it', async () => {
    const bucket = new GridFSBucket(db, { bucketName: 'blobs' });
    const data = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 12)) & 0xff;
    const upload = bucket.openUploadStream('photo.jpg', { metadata: { contentType: 'image/jpeg' } });
    await new Promise<void>((resolve, reject) =>
      upload.once('finish', resolve).once('error', reject).end(data),
    );

    assert.ok((await buffer(bucket.openDownloadStream(upload.id))).equals(data));
    const range = await buffer(bucket.openDownloadStream(upload.id, { start: 300_000, end: 1_400_000 }));
    assert.ok(range.equals(data.subarray(300_000, 1_400_000)));

    await bucket.delete(upload.id);
    assert.equal(await db.collection('blobs.chunks').countDocuments({ files_id: upload.id }), 0);
    await assert.rejects(buffer(bucket.openDownloadStream(upload.id)), /FileNotFound|not found/i);
  });

  test('groups-page pipeline: $match → $sort → $group/$push → $project with $slice, $filter, $size', async () => {
    await seedImages(db);
    const groups = await db
      .collection('images')
      .aggregate([
        { $match: { status: { $in: ['new', 'review'] } } },
        { $sort: { updatedAt: -1 } },
        {
          $group: {
            _id: '$group',
            latest: { $max: '$updatedAt' },
            images: { $push: { n: '$n', status: '$status' } },
          },
        },
        { $sort: { latest: -1, _id: -1 } },
        { $limit: 5 },
        {
          $project: {
            top: { $slice: ['$images', 2] },
            fresh: { $filter: { input: '$images', as: 'i', cond: { $eq: ['$$i.status', 'new'] } } },
            count: { $size: '$images' },
          },
        },
      ])
      .toArray();
    assert.deepEqual(groups, [
      {
        _id: 'g1',
        top: [
          { n: 'b', status: 'review' },
          { n: 'c', status: 'new' },
        ],
        fresh: [
          { n: 'c', status: 'new' },
          { n: 'a', status: 'new' },
        ],
        count: 3,
      },
    ]);
  });

  test('$lookup with let + pipeline, and $facet with counts and a page', async () => {
    await seedImages(db);
    const [result] = await db
      .collection('groups')
      .aggregate([
        {
          $lookup: {
            from: 'images',
            let: { groupId: '$_id' },
            pipeline: [{ $match: { $expr: { $eq: ['$group', '$$groupId'] } } }, { $sort: { updatedAt: -1 } }],
            as: 'images',
          },
        },
        { $project: { names: '$images.n' } },
        { $facet: { total: [{ $count: 'n' }], page: [{ $sort: { _id: 1 } }, { $limit: 1 }] } },
      ])
      .toArray();
    assert.deepEqual(result, { total: [{ n: 2 }], page: [{ _id: 'g1', names: ['b', 'c', 'a'] }] });
  });

  test('$toString of an ObjectId and $$NOW evaluate as in MongoDB', async () => {
    const id = new ObjectId();
    await db.collection('ids').insertOne({ _id: id });
    const [doc] = await db
      .collection('ids')
      .aggregate([{ $project: { s: { $toString: '$_id' }, now: '$$NOW' } }])
      .toArray();
    assert.equal(doc?.s, id.toHexString());
    assert.ok(Math.abs((doc?.now as Date).getTime() - Date.now()) < 60_000);
  });

  describe('gaps: MongoDB 7 features this server rejects (keep them out of product code)', () => {
    const gaps: Array<[string, Document[], RegExp]> = [
      ['$sortArray', [{ $project: { r: { $sortArray: { input: [2, 1], sortBy: 1 } } } }], /\$sortArray/],
      [
        '$dateSubtract',
        [{ $project: { r: { $dateSubtract: { startDate: '$$NOW', unit: 'day', amount: 1 } } } }],
        /\$dateSubtract/,
      ],
      ['$dateTrunc', [{ $project: { r: { $dateTrunc: { date: '$$NOW', unit: 'day' } } } }], /\$dateTrunc/],
      ['$switch', [{ $project: { r: { $switch: { branches: [{ case: true, then: 1 }] } } } }], /\$switch/],
      ['$let', [{ $project: { r: { $let: { vars: { a: 1 }, in: '$$a' } } } }], /\$let/],
      ['$first (array expression)', [{ $project: { r: { $first: [[1, 2]] } } }], /\$first/],
      [
        '$filter with limit',
        [{ $project: { r: { $filter: { input: [1], cond: true, limit: 1 } } } }],
        /limit/,
      ],
      ['$toString of a date', [{ $project: { r: { $toString: '$$NOW' } } }], /convert from BSON type date/],
      ['$set stage', [{ $set: { a: 1 } }], /Unrecognized pipeline stage name: '\$set'/],
      ['$replaceWith', [{ $replaceWith: { a: 1 } }], /\$replaceWith/],
      ['$unionWith', [{ $unionWith: { coll: 'gaps' } }], /\$unionWith/],
      [
        '$setWindowFields',
        [{ $setWindowFields: { sortBy: { a: 1 }, output: { r: { $rank: {} } } } }],
        /\$setWindowFields/,
      ],
      [
        '$count accumulator in $group',
        [{ $group: { _id: null, r: { $count: {} } } }],
        /unknown group operator '\$count'/,
      ],
      [
        '$lookup with localField and pipeline',
        [{ $lookup: { from: 'gaps', localField: 'a', foreignField: 'a', pipeline: [], as: 'r' } }],
        /unknown argument to \$lookup: localField/,
      ],
      [
        '$lookup let bound to a missing field',
        [
          {
            $lookup: {
              from: 'gaps',
              let: { v: '$missing' },
              pipeline: [{ $match: { $expr: { $eq: ['$a', '$$v'] } } }],
              as: 'r',
            },
          },
        ],
        /undefined variable: v/,
      ],
    ];
    for (const [name, pipeline, message] of gaps) {
      test(`${name} is rejected`, async () => {
        await db.collection('gaps').updateOne({ _id: 1 as never }, { $set: { a: 1 } }, { upsert: true });
        await assert.rejects(db.collection('gaps').aggregate(pipeline).toArray(), { message });
      });
    }

    test('sessions, hence multi-document transactions, are refused by the driver', async () => {
      const session = client.startSession();
      try {
        await assert.rejects(
          session.withTransaction(() => db.collection('tx').insertOne({ a: 1 }, { session })),
          /does not support sessions/,
        );
      } finally {
        await session.endSession();
      }
    });

    test('change streams fail (the server runs without an oplog)', async () => {
      const stream = db.collection('gaps').watch();
      await assert.rejects(stream.tryNext(), /Unknown error/);
      await stream.close();
    });

    test('update pipelines (update with an array of stages) fail', async () => {
      await assert.rejects(
        db.collection('gaps').updateOne({ _id: 1 as never }, [{ $addFields: { b: 1 } }]),
        /cannot be cast/,
      );
    });

    test('partialFilterExpression is ignored: a partial unique index counts missing fields as null', async () => {
      const coll = db.collection('partial');
      await coll.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { p: { $exists: true } } });
      await coll.insertOne({ a: 1 });
      await assert.rejects(coll.insertOne({ a: 2 }), { code: 11000 });
    });

    test('collation is ignored', async () => {
      await db.collection('collation').insertOne({ n: 'B' });
      const found = await db
        .collection('collation')
        .find({ n: 'b' }, { collation: { locale: 'en', strength: 2 } })
        .toArray();
      assert.equal(found.length, 0);
    });

    test('$regex next to another operator on the same field fails', async () => {
      await assert.rejects(
        db
          .collection('gaps')
          .find({ a: { $ne: 2, $regex: /^1/ } })
          .toArray(),
        /Illegal repetition/,
      );
    });

    test('duplicate-key errors carry no keyPattern / keyValue', async () => {
      const coll = db.collection('dupkey');
      await coll.insertOne({ _id: 1 as never });
      await assert.rejects(coll.insertOne({ _id: 1 as never }), (err) => {
        assert.ok(err instanceof MongoServerError);
        assert.equal(err.code, 11000);
        assert.equal(err.errorResponse.keyValue, undefined);
        return true;
      });
    });
  });
});

describe('Mongo-wire server with an H2 data file', () => {
  test('keeps documents, unique indexes and GridFS files across a stop and restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pf-mongo-wire-'));
    const dataFile = join(dir, 'data.mv.db');
    const blob = Buffer.alloc(600_000, 7);
    try {
      await withDb(dataFile, async (db) => {
        await db.collection('images').createIndex({ sha256: 1 }, { unique: true });
        await db.collection('images').insertOne({ sha256: 'abc', size: 3 });
        await db.collection('images').updateOne({ sha256: 'abc' }, { $inc: { size: 1 } });
        const upload = new GridFSBucket(db).openUploadStreamWithId('blob-1' as never, 'blob-1');
        await new Promise<void>((resolve, reject) =>
          upload.once('finish', resolve).once('error', reject).end(blob),
        );
      });
      await withDb(dataFile, async (db) => {
        assert.deepEqual(await db.collection('images').findOne({}, { projection: { _id: 0 } }), {
          sha256: 'abc',
          size: 4,
        });
        await assert.rejects(db.collection('images').insertOne({ sha256: 'abc' }), { code: 11000 });
        assert.ok((await buffer(new GridFSBucket(db).openDownloadStream('blob-1' as never))).equals(blob));
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Runs `work` against a fresh server on `dataFile`, then stops the server (SIGTERM, so H2 commits). */
async function withDb(dataFile: string, work: (db: Db) => Promise<void>): Promise<void> {
  await using server = await startMongoWire({ dataFile });
  const client = new MongoClient(server.url, { serverSelectionTimeoutMS: 5_000 });
  try {
    await work(client.db('pixelforge'));
  } finally {
    await client.close();
  }
}

/** Two groups of images with distinct update times, rewritten on every call so tests stay independent. */
async function seedImages(db: Db): Promise<void> {
  const images = db.collection('images');
  await images.deleteMany({});
  await images.insertMany([
    { group: 'g1', n: 'a', status: 'new', updatedAt: new Date('2024-01-01') },
    { group: 'g1', n: 'b', status: 'review', updatedAt: new Date('2024-01-03') },
    { group: 'g1', n: 'c', status: 'new', updatedAt: new Date('2024-01-02') },
    { group: 'g2', n: 'd', status: 'accepted', updatedAt: new Date('2024-01-05') },
  ]);
  const groups = db.collection<{ _id: string; name: string }>('groups');
  await groups.deleteMany({});
  await groups.insertMany([
    { _id: 'g1', name: 'one' },
    { _id: 'g2', name: 'two' },
  ]);
}
