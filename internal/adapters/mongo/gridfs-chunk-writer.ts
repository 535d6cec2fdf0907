// Writes one GridFS file (its chunks, then its files document) in the layout GridFSBucket reads, from the
// stream's own buffers: the driver's upload stream zero-fills a chunk-sized staging buffer per file and copies
// every byte into it, which for a typical 200 kB photo in 1 MiB chunks was most of the store's CPU.
import { Writable } from 'node:stream';
import { ObjectId, type Collection, type Document } from 'mongodb';

export interface GridFsFile {
  _id: string;
  length: number;
  chunkSize: number;
  uploadDate: Date;
  filename: string;
  metadata?: Record<string, string>;
}

export interface ChunkWriterOptions {
  key: string;
  chunkSizeBytes: number;
  metadata?: Record<string, string>;
  /** Sees every byte as it passes (the store hashes them). */
  onBytes?: (chunk: Buffer) => void;
}

/** The writer, and a way to know that nothing it started is still on its way to the database. */
export interface ChunkWriter extends Writable {
  /** Resolves once no insert is in flight (after a failure: before the caller removes what was written). */
  settled(): Promise<void>;
}

/**
 * A Writable storing what it is given under `key`. The files document goes in last, so a failed write leaves
 * only chunks, which the caller removes once {@link ChunkWriter.settled}.
 */
export function gridFsChunkWriter(
  chunks: Collection<Document>,
  files: Collection<GridFsFile>,
  { key, chunkSizeBytes, metadata, onBytes }: ChunkWriterOptions,
): ChunkWriter {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let length = 0;
  let n = 0;
  let failed = false;
  // The write or final in progress: a pipeline rejects as soon as its source fails, while an insert of this
  // writer may still be running; removing the chunks before it lands would leave it behind.
  let busy: Promise<unknown> = Promise.resolve();

  const insertChunk = async (data: Uint8Array) => {
    if (failed) throw new Error('the GridFS write was abandoned');
    await chunks.insertOne({ _id: new ObjectId(), files_id: key, n: n++, data });
  };

  /** Stores every full chunk held; keeps the remainder (less than one chunk) for later. */
  const storeFullChunks = async () => {
    const joined = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
    held = [];
    let at = 0;
    for (; heldBytes - at >= chunkSizeBytes; at += chunkSizeBytes)
      await insertChunk(joined.subarray(at, at + chunkSizeBytes));
    // A copy of the remainder: a view would keep the whole joined chunk alive until the next one is full.
    if (at < heldBytes) held.push(Buffer.from(joined.subarray(at)));
    heldBytes -= at;
  };

  const writer = new Writable({
    write(chunk: Buffer, _encoding, done) {
      onBytes?.(chunk);
      held.push(chunk);
      heldBytes += chunk.length;
      length += chunk.length;
      if (heldBytes < chunkSizeBytes) return done();
      busy = storeFullChunks().then(() => done(), done);
    },
    destroy(err, done) {
      failed = true;
      done(err);
    },
    final(done) {
      const rest = held.length === 1 ? held[0]! : Buffer.concat(held, heldBytes);
      held = [];
      busy = (async () => {
        if (rest.length > 0) await insertChunk(rest);
        const file: GridFsFile = {
          _id: key,
          length,
          chunkSize: chunkSizeBytes,
          uploadDate: new Date(),
          filename: key,
        };
        if (metadata) file.metadata = metadata;
        if (failed) throw new Error('the GridFS write was abandoned');
        await files.insertOne(file);
      })().then(() => done(), done);
    },
  });
  return Object.assign(writer, { settled: () => busy.then(noop, noop) });
}

const noop = () => {};
