// BlobStore on MongoDB GridFS: streamed writes with a sha256 computed on the way, ranged reads.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, type Db } from 'mongodb';
import { NotFoundError } from '../../errors/errors.ts';
import type { BlobInfo, BlobStore, ByteRange, PutOptions, StoredBlob } from '../../ports/blob-store.ts';
import { gridFsChunkWriter, type GridFsFile } from './gridfs-chunk-writer.ts';

type FileDoc = Pick<GridFsFile, '_id' | 'length' | 'uploadDate' | 'metadata'>;

export interface GridFsBlobStoreOptions {
  /** Bucket name (default `blobs`). */
  bucketName?: string;
  /** Chunk size in bytes (default 1 MiB: fewer round trips than the driver's 255 KiB for large images). */
  chunkSizeBytes?: number;
}

/** Creates the store; call `ensureIndexes` once at start-up. */
export function createGridFsBlobStore(
  db: Db,
  { bucketName = 'blobs', chunkSizeBytes = 1024 * 1024 }: GridFsBlobStoreOptions = {},
) {
  const bucket = new GridFSBucket(db, { bucketName, chunkSizeBytes });
  const files = db.collection<GridFsFile>(`${bucketName}.files`);
  const chunks = db.collection(`${bucketName}.chunks`);

  const removeAll = async (key: string) => {
    await chunks.deleteMany({ files_id: key });
    return (await files.deleteOne({ _id: key })).deletedCount > 0;
  };

  const store: BlobStore & { ensureIndexes(): Promise<void> } = {
    async ensureIndexes() {
      await files.createIndex({ uploadDate: 1 });
      // GridFS's own files index, which the driver's upload stream used to create on the first upload.
      await files.createIndex({ filename: 1, uploadDate: 1 });
      await chunks.createIndex({ files_id: 1, n: 1 }, { unique: true });
    },

    async put(source: Readable | AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob> {
      const hash = createHash('sha256');
      let size = 0;
      const upload = gridFsChunkWriter(chunks, files, {
        key: options.key,
        chunkSizeBytes,
        metadata: { ...options.metadata, contentType: options.contentType },
        onBytes(chunk) {
          hash.update(chunk);
          size += chunk.length;
        },
      });
      try {
        await pipeline(source, upload, options.signal ? { signal: options.signal } : {});
        // The checksum goes into the event and the read models, not back into GridFS: one round trip less.
        return { key: options.key, sha256: hash.digest('hex'), size };
      } catch (err) {
        // Chunks are written before the files document: remove both, whatever got that far, once the
        // writer's last insert has landed (or failed).
        upload.destroy();
        await upload.settled();
        await removeAll(options.key).catch(() => {});
        throw err;
      }
    },

    async get(key: string, range?: ByteRange): Promise<Readable> {
      const file = await files.findOne({ _id: key }, { projection: { _id: 1 } });
      if (!file) throw new NotFoundError('blob', key);
      return bucket.openDownloadStream(key as never, range ? { start: range.start, end: range.end + 1 } : {});
    },

    async stat(key: string): Promise<BlobInfo | null> {
      const file = await files.findOne({ _id: key });
      return file ? toInfo(file) : null;
    },

    delete: removeAll,

    async *listStoredBefore(before: Date, pageSize: number): AsyncIterable<BlobInfo> {
      for await (const file of files
        .find({ uploadDate: { $lt: before } })
        .sort({ uploadDate: 1 })
        .batchSize(pageSize)) {
        yield toInfo(file);
      }
    },
  };
  return store;
}

function toInfo(file: FileDoc): BlobInfo {
  const { contentType = 'application/octet-stream', ...metadata } = file.metadata ?? {};
  return { key: file._id, size: file.length, contentType, createdAt: file.uploadDate, metadata };
}

/**
 * Deletes the chunks of uploads that never finished: GridFS writes a file's chunks before its `files`
 * document, so a process killed mid-upload leaves chunks that no file owns and no listing shows. Resolves
 * with the number deleted.
 */
export async function deleteOrphanChunks(db: Db, bucketName = 'blobs'): Promise<number> {
  const owners = await db.collection(`${bucketName}.chunks`).distinct('files_id');
  const files = db.collection(`${bucketName}.files`);
  const orphans = [];
  for (const id of owners)
    if (!(await files.findOne({ _id: id }, { projection: { _id: 1 } }))) orphans.push(id);
  if (orphans.length === 0) return 0;
  const { deletedCount } = await db
    .collection(`${bucketName}.chunks`)
    .deleteMany({ files_id: { $in: orphans } });
  return deletedCount;
}
