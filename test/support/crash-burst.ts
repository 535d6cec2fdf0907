// A seeded burst of uploads, status changes and deletions against a running stack, recording what was
// acknowledged, and the checks a crash must not break: every acknowledged write visible exactly once,
// counters equal to a recount, every referenced blob readable, no unreferenced blob left.
import assert from 'node:assert/strict';
import { MongoClient, type Db } from 'mongodb';
import type { BlobStore } from '../../internal/ports/blob-store.ts';
import { IMAGE_STATUSES, type ImageStatus } from '../../internal/images/status.ts';
import { makeJpeg, uploadForm } from './images.ts';
import { eventually } from './eventually.ts';

type Request = (path: string, init?: RequestInit) => Promise<Response>;

/** What the client knows of one image: the acknowledged state, and what an unanswered request may have done. */
interface Known {
  group: string;
  /** Statuses the image may have now (the acknowledged one, plus an unanswered change). */
  statuses: Set<ImageStatus>;
  /** Acknowledged deletion: must be gone. */
  deleted: boolean;
  /** An unanswered deletion: may be gone. */
  maybeDeleted: boolean;
  busy: boolean;
}

export interface BurstRecord {
  images: Map<string, Known>;
  acknowledged: number;
  unanswered: number;
}

/** mulberry32: a small seeded generator, so a failing seed can be run again. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/**
 * Runs `workers` clients until `stopWhen(record)` says so or requests start failing for good (the stack
 * was killed). An operation whose request fails is recorded as unanswered: it may or may not have happened.
 */
export async function runBurst(
  request: Request,
  {
    seed,
    workers = 8,
    giveUpMs = 2000,
    stopWhen,
  }: {
    seed: number;
    workers?: number;
    /** Stop once nothing has succeeded for this long (the stack is gone). */
    giveUpMs?: number;
    stopWhen: (r: BurstRecord) => boolean;
  },
): Promise<BurstRecord> {
  const random = seeded(seed);
  const jpegs = await Promise.all([0, 1, 2, 3].map((i) => makeJpeg(24 + i * 8, 16 + i * 4)));
  const record: BurstRecord = { images: new Map(), acknowledged: 0, unanswered: 0 };
  let lastSuccessAt = Date.now();
  const step = async () => {
    const idle = [...record.images].filter(([, k]) => !k.busy && !k.deleted && !k.maybeDeleted);
    if (idle.length < 4 || random() < 0.5) {
      const group = `crash group ${Math.floor(random() * 4)}`;
      const res = await request('/v1/images', {
        method: 'POST',
        body: uploadForm(jpegs[Math.floor(random() * jpegs.length)]!, { group }),
      });
      const body = await res.text();
      assert.equal(res.status, 201, body);
      const { id } = JSON.parse(body) as { id: string };
      record.images.set(id, {
        group,
        statuses: new Set(['new']),
        deleted: false,
        maybeDeleted: false,
        busy: false,
      });
      return;
    }
    const [id, known] = idle[Math.floor(random() * idle.length)]!;
    known.busy = true;
    try {
      if (random() < 0.85) {
        const current = [...known.statuses][0]!;
        const next = IMAGE_STATUSES.filter((s) => s !== current)[Math.floor(random() * 3)]!;
        known.statuses.add(next);
        const res = await request(`/v1/images/${id}/status`, json('PUT', { status: next }));
        assert.equal(res.status, 200, await res.text());
        known.statuses = new Set([next]);
      } else {
        known.maybeDeleted = true;
        const res = await request(`/v1/images/${id}`, { method: 'DELETE' });
        assert.equal(res.status, 204, await res.text());
        known.deleted = true;
      }
    } finally {
      known.busy = false;
    }
  };
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!stopWhen(record) && Date.now() - lastSuccessAt < giveUpMs) {
        try {
          await step();
          record.acknowledged++;
          lastSuccessAt = Date.now();
        } catch {
          record.unanswered++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }),
  );
  return record;
}

interface ListedImage {
  id: string;
  group: string;
  status: ImageStatus;
  size: number;
}

/** Every image the API lists, page by page. */
async function listAll(request: Request): Promise<ListedImage[]> {
  const out: ListedImage[] = [];
  let cursor: string | null = null;
  do {
    const res = await request(`/v1/images?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(res.status, 200);
    const page = (await res.json()) as { items: ListedImage[]; nextCursor: string | null };
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The checks after a crash and restart, retried until the projector and the sweeper have caught up. */
export async function assertRecovered(
  request: Request,
  mongoUrl: string,
  record: BurstRecord,
  /** The stack's blob store (files for `up` with its own servers, GridFS otherwise). */
  blobStore: (db: Db) => BlobStore,
): Promise<void> {
  await eventually(
    async () => {
      const listed = await listAll(request);
      const byId = new Map(listed.map((image) => [image.id, image]));
      assert.equal(byId.size, listed.length, 'an image is listed twice');
      for (const [id, known] of record.images) {
        const image = byId.get(id);
        if (known.deleted) {
          assert.equal(image, undefined, `${id} was deleted (204) but is still listed`);
          assert.equal((await request(`/v1/images/${id}`)).status, 404);
          continue;
        }
        if (!image) {
          assert.ok(known.maybeDeleted, `${id} was acknowledged (201) but is gone`);
          continue;
        }
        assert.ok(
          known.statuses.has(image.status),
          `${id} is ${image.status}, acknowledged ${[...known.statuses]}`,
        );
      }
      // Counters equal a recount of the images read model.
      const recount = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>;
      const perGroup = new Map<string, Record<ImageStatus, number>>();
      for (const image of listed) {
        recount[image.status]++;
        const counts =
          perGroup.get(image.group) ??
          (Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>);
        counts[image.status]++;
        perGroup.set(image.group, counts);
      }
      assert.deepEqual(await (await request('/v1/statistics?days=30')).json(), recount, 'statistics');
      for (const [group, counts] of perGroup) {
        const view = (await (await request(`/v1/groups/${group}`)).json()) as {
          count: number;
          statusCounts: Record<ImageStatus, number>;
        };
        assert.deepEqual(view.statusCounts, counts, `status counts of group ${group}`);
        assert.equal(
          view.count,
          Object.values(counts).reduce((a, b) => a + b, 0),
          `count of group ${group}`,
        );
      }
      // Every referenced blob has its bytes, and no blob is left that nothing refers to.
      for (const image of listed) {
        const res = await request(`/v1/images/${image.id}/content`);
        assert.equal(res.status, 200, `bytes of ${image.id}`);
        assert.equal((await res.arrayBuffer()).byteLength, image.size, `size of ${image.id}`);
      }
      const client = await new MongoClient(mongoUrl).connect();
      try {
        const db = client.db();
        const referenced = new Set<string>();
        for (const doc of await db.collection('images').find({}).toArray()) {
          referenced.add(doc.blobKey as string);
          for (const v of doc.variants as { blobKey: string }[]) referenced.add(v.blobKey);
        }
        const stored: string[] = [];
        const blobs = blobStore(db);
        for await (const blob of blobs.listStoredBefore(new Date(Date.now() + 3600_000), 100_000)) {
          stored.push(blob.key);
        }
        const orphans = await Promise.all(
          stored
            .filter((key) => !referenced.has(key))
            .map(async (key) => ({
              key,
              info: await blobs.stat(key),
              tombstone: await db
                .collection('image_tombstones')
                .findOne({ _id: key.replace(/^webp-/, '') as never }),
            })),
        );
        assert.deepEqual(
          orphans,
          [],
          'blobs that nothing refers to (orphans of unacknowledged uploads must be swept)',
        );
        assert.deepEqual(
          [...referenced].filter((key) => !stored.includes(key)),
          [],
          `referenced blobs without bytes (${stored.length} stored, ${referenced.size} referenced, db ${db.databaseName})`,
        );
      } finally {
        await client.close();
      }
    },
    60_000,
    500,
  );
}
