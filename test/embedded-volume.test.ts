// The embedded default holds real volumes: `pixelforge up` keeps image bytes as files beside the Mongo-wire
// server, whose H2 file holds only documents, so a store of photos grows the blob directory and not the heap
// of the Java server. (BENCHMARKS.md "Embedded volume" runs this to 5 GB; the suite affords ~150 MB.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { du, noiseJpeg } from './support/volume.ts';
import { startUp } from './support/up-process.ts';
import { uploadForm } from './support/images.ts';
import { MongoClient } from 'mongodb';
import { eventually } from './support/eventually.ts';
import { createFileBlobStore } from '../internal/adapters/files/file-blob-store.ts';

/** A JPEG of noise (incompressible) of about `megabytes` MB. */

test('pixelforge up: 150 MB of photos go to the blob directory, the H2 file stays small, reads keep working', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pf-volume-'));
  try {
    const up = await startUp(dataDir);
    try {
      const photos = await Promise.all([0, 1, 2].map(() => noiseJpeg(5)));
      const ids: string[] = [];
      const sizes = new Map<string, number>();
      let bytes = 0;
      let lastSeq = 0;
      for (let i = 0; i < 30; i += 3) {
        await Promise.all(
          photos.map(async (photo) => {
            const res = await up.request('/v1/images', {
              method: 'POST',
              body: uploadForm(photo, { group: 'volume' }),
            });
            assert.equal(res.status, 201, await res.clone().text());
            const written = (await res.json()) as { id: string; seq: number };
            ids.push(written.id);
            sizes.set(written.id, photo.length);
            lastSeq = Math.max(lastSeq, written.seq);
            bytes += photo.length;
          }),
        );
      }
      assert.ok(bytes > 140e6, `uploaded ${bytes} bytes`);
      const stats = (await (await up.request(`/v1/statistics?days=30&after=${lastSeq}`)).json()) as Record<
        string,
        number
      >;
      assert.equal(stats.new, ids.length);
      const res = await up.request(`/v1/images/${ids[7]}/content`);
      assert.equal(res.status, 200);
      assert.equal((await res.arrayBuffer()).byteLength, sizes.get(ids[7]!));
      const blobBytes = await du(join(dataDir, 'blobs'));
      const mongoBytes = await du(join(dataDir, 'mongo'));
      assert.ok(blobBytes >= bytes, `blob directory holds ${blobBytes} of ${bytes} bytes`);
      // Documents only: a few kB per image (WebP variants are files too).
      assert.ok(mongoBytes < 20e6, `the H2 file grew to ${mongoBytes} bytes for ${ids.length} images`);
    } finally {
      await up.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('pixelforge up moves the bytes of an older data directory from GridFS to files, and serves them after', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pf-move-'));
  try {
    // An older `up` kept the bytes in GridFS.
    const before = await startUp(dataDir, { PIXELFORGE_BLOB_STORE: 'gridfs' });
    const uploaded = new Map<string, number>();
    try {
      for (const size of [0.2, 0.3, 0.4]) {
        const photo = await noiseJpeg(size);
        const res = await before.request('/v1/images', {
          method: 'POST',
          body: uploadForm(photo, { group: 'old' }),
        });
        assert.equal(res.status, 201);
        uploaded.set(((await res.json()) as { id: string }).id, photo.length);
      }
    } finally {
      await before.stop();
    }
    const after = await startUp(dataDir);
    try {
      // The projector may still be catching up on the last uploads of the first run, and first waits out the
      // lease the stopped `up` could not release (its servers got the signal too): up to ~20 s.
      for (const [id, size] of uploaded) {
        await eventually(async () => {
          const res = await after.request(`/v1/images/${id}/content`);
          assert.equal(res.status, 200, `${id} after the move: ${await res.clone().text()}`);
          assert.equal((await res.arrayBuffer()).byteLength, size);
        }, 60_000);
      }
      const client = await new MongoClient(after.mongoUrl).connect();
      try {
        assert.equal(await client.db().collection('blobs.files').countDocuments(), 0, 'GridFS is empty');
        assert.equal(await client.db().collection('blobs.chunks').countDocuments(), 0, 'no chunks are left');
      } finally {
        await client.close();
      }
      const files = createFileBlobStore(join(dataDir, 'blobs'));
      for (const [id, size] of uploaded) assert.equal((await files.stat(id))?.size, size);
    } finally {
      await after.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
