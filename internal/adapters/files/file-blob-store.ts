// A BlobStore on the local file system: the embedded default's image bytes, kept outside the document store
// so that `pixelforge up` holds gigabytes of photos without the Mongo-wire server reading them into its heap.
//
// Layout under the root: `<shard>/<key>` is one blob, its bytes followed by what the port reports about them
// (content type, metadata, creation time, size) as JSON and an 8-byte trailer (the JSON's length, then the
// magic `PFB1`). A put streams into `<shard>/.<key>.<random>.tmp` and renames it into place, so a blob exists
// exactly when its file does. With `fsync`, the file and its directory are synced before `put` returns.
//
// One file per blob, written in its own shard: creating a file is most of a put's cost in the kernel, and
// creations in one directory run one at a time. Stores written before this layout kept the metadata in
// `<shard>/<key>.meta.json` beside the bytes and wrote through `tmp/`: such blobs are read as they are (a
// blob with a `.meta.json` is one of those), and metadata left without bytes by a crash is listed for the
// sweeper as before.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, type FileHandle, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../../errors/errors.ts';
import type { BlobInfo, BlobStore, ByteRange, PutOptions, StoredBlob } from '../../ports/blob-store.ts';

export interface FileBlobStoreOptions {
  /** Sync every blob to disk before `put` returns: survives a power loss, not only a kill -9 (default false). */
  fsync?: boolean;
}

interface MetaFile {
  contentType: string;
  metadata: Record<string, string>;
  createdAt: string;
  size: number;
}

// Keys are ids chosen by Pixelforge (`<ulid>`, `webp-<ulid>`, `enhanced-<job>`); anything else could name a
// path outside the root.
const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const META_SUFFIX = '.meta.json';
const TMP_SUFFIX = '.tmp';
const STALE_TMP_MS = 3600_000;
const MAGIC = Buffer.from('PFB1');
const TRAILER = 8;
/** Bytes read from a blob's end to find its metadata: one read for any ordinary metadata. */
const TAIL_READ = 4096;
const MAX_META = 64 * 1024;
/** How many bytes a put gathers before writing them: a typical photo is one write. */
const WRITE_BUFFER = 256 * 1024;

function isMeta(value: unknown): value is MetaFile {
  const meta = value as Partial<MetaFile> | null;
  return (
    typeof meta?.contentType === 'string' &&
    typeof meta.size === 'number' &&
    typeof meta.createdAt === 'string' &&
    typeof meta.metadata === 'object' &&
    meta.metadata !== null
  );
}

/** The trailer after a blob's bytes: its metadata, their length and the magic. */
function trailerOf(meta: MetaFile): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const end = Buffer.alloc(TRAILER);
  end.writeUInt32BE(json.length, 0);
  MAGIC.copy(end, 4);
  return Buffer.concat([json, end]);
}

/** The metadata at the end of an open blob file, or null when it has none that fits the file. */
async function readTrailer(handle: FileHandle): Promise<MetaFile | null> {
  const { size } = await handle.stat();
  if (size < TRAILER) return null;
  let length = Math.min(size, TAIL_READ);
  let tail = Buffer.alloc(length);
  await handle.read(tail, 0, length, size - length);
  if (!tail.subarray(length - 4).equals(MAGIC)) return null;
  const metaLength = tail.readUInt32BE(length - TRAILER);
  if (metaLength > MAX_META || metaLength + TRAILER > size) return null;
  if (metaLength + TRAILER > length) {
    length = metaLength + TRAILER;
    tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
  }
  try {
    const meta = JSON.parse(
      tail.subarray(length - TRAILER - metaLength, length - TRAILER).toString(),
    ) as MetaFile;
    return isMeta(meta) && meta.size === size - TRAILER - metaLength ? meta : null;
  } catch {
    return null;
  }
}

/** Writes `buffers` (`bytes` in all) at the handle's position, however many calls the kernel needs. */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], bytes: number): Promise<void> {
  let { bytesWritten } = await handle.writev(buffers);
  if (bytesWritten === bytes) return;
  const rest = Buffer.concat(buffers).subarray(bytesWritten);
  for (let at = 0; at < rest.length; at += bytesWritten) {
    ({ bytesWritten } = await handle.write(rest, at));
  }
}

/** Creates the store under `root` (created when missing). */
export function createFileBlobStore(
  root: string,
  { fsync = false }: FileBlobStoreOptions = {},
): BlobStore & {
  ensureIndexes(): Promise<void>;
} {
  // Where stores of the earlier layout wrote in progress: swept at start-up, never written.
  const legacyTmpDir = join(root, 'tmp');
  const shardOf = (key: string) =>
    key
      .slice(-2)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '_')
      .padStart(2, '_');
  const pathsOf = (key: string) => {
    if (!KEY.test(key)) throw new NotFoundError('blob', key);
    const dir = join(root, shardOf(key));
    return { dir, bytes: join(dir, key), legacyMeta: join(dir, `${key}${META_SUFFIX}`) };
  };
  // Directories this store made or found: a put makes its shard only the first time (a busy import would
  // otherwise spend a fifth of its file-system calls on mkdir). Forgotten when a write finds one gone.
  const made = new Set<string>();
  const ensureDir = async (dir: string) => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true });
    made.add(dir);
  };
  const syncPath = async (path: string) => {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  const readLegacyMeta = async (path: string): Promise<MetaFile | null> =>
    readFile(path, 'utf8')
      .then((text) => JSON.parse(text) as MetaFile)
      .catch(() => null);
  /** The blob file of `key` open for reading, with its metadata; null when there is no such blob. */
  const openBlob = async (key: string): Promise<{ handle: FileHandle; meta: MetaFile } | null> => {
    const paths = pathsOf(key);
    const handle = await open(paths.bytes, 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (!handle) return null;
    try {
      const meta = (await readLegacyMeta(paths.legacyMeta)) ?? (await readTrailer(handle));
      if (meta) return { handle, meta };
    } catch (err) {
      await handle.close();
      throw err;
    }
    await handle.close();
    return null;
  };
  const metaOf = async (key: string): Promise<MetaFile | null> => {
    const blob = await openBlob(key);
    await blob?.handle.close();
    return blob?.meta ?? null;
  };
  const toInfo = (key: string, meta: MetaFile): BlobInfo => ({
    key,
    size: meta.size,
    contentType: meta.contentType,
    createdAt: new Date(meta.createdAt),
    metadata: meta.metadata,
  });
  const sweepTmp = async (dir: string, isTmp: (name: string) => boolean) => {
    const cutoff = Date.now() - STALE_TMP_MS;
    for (const name of (await readdir(dir).catch(() => [])).filter(isTmp)) {
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(path, { force: true });
    }
  };
  const shards = async () =>
    (await readdir(root, { withFileTypes: true }).catch(() => []))
      .filter((d) => d.isDirectory() && d.name !== 'tmp')
      .map((d) => d.name);

  const removeBlob = async (key: string): Promise<boolean> => {
    const paths = pathsOf(key);
    const existed = await unlink(paths.bytes).then(
      () => true,
      () => false,
    );
    await unlink(paths.legacyMeta).catch(() => {});
    return existed;
  };

  return {
    async ensureIndexes() {
      await mkdir(root, { recursive: true });
      // Writes a crash interrupted: nothing refers to them. Other processes share the directories, so only
      // files no write can still be busy with go.
      await sweepTmp(legacyTmpDir, () => true);
      for (const shard of await shards())
        await sweepTmp(join(root, shard), (name) => name.startsWith('.') && name.endsWith(TMP_SUFFIX));
    },

    async put(source, options: PutOptions): Promise<StoredBlob> {
      const paths = pathsOf(options.key);
      const tmp = join(paths.dir, `.${options.key}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        await ensureDir(paths.dir);
        const handle = await open(tmp, 'wx').catch((err: NodeJS.ErrnoException) => {
          // The shard was removed under a remembered directory: make it again, once.
          if (err.code !== 'ENOENT') throw err;
          made.delete(paths.dir);
          return ensureDir(paths.dir).then(() => open(tmp, 'wx'));
        });
        try {
          // Chunks are gathered up to WRITE_BUFFER and written together (an image off the network arrives in
          // many small chunks, and one write each would be most of a put's cost), without copying them. The
          // last write carries the trailer too: a typical photo is one write.
          let pending: Uint8Array[] = [];
          let pendingBytes = 0;
          const flush = async () => {
            const buffers = pending;
            const bytes = pendingBytes;
            pending = [];
            pendingBytes = 0;
            if (bytes) await writeAll(handle, buffers, bytes);
          };
          const sink = new Writable({
            highWaterMark: WRITE_BUFFER,
            write(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              size += chunk.length;
              pending.push(chunk);
              pendingBytes += chunk.length;
              if (pendingBytes < WRITE_BUFFER) return done();
              flush().then(() => done(), done);
            },
            final(done) {
              const trailer = trailerOf({
                contentType: options.contentType,
                metadata: options.metadata ?? {},
                createdAt: new Date().toISOString(),
                size,
              });
              pending.push(trailer);
              pendingBytes += trailer.length;
              flush().then(() => done(), done);
            },
          });
          await pipeline(
            source instanceof Readable ? source : Readable.from(source),
            sink,
            options.signal ? { signal: options.signal } : {},
          );
          if (fsync) await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(tmp, paths.bytes);
        if (fsync) await syncPath(paths.dir);
        return { key: options.key, sha256: hash.digest('hex'), size };
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    },

    async get(key: string, range?: ByteRange): Promise<Readable> {
      const blob = await openBlob(key);
      if (!blob) throw new NotFoundError('blob', key);
      const last = blob.meta.size - 1;
      if (last < 0) {
        await blob.handle.close();
        return Readable.from([]);
      }
      return blob.handle.createReadStream(
        range ? { start: range.start, end: Math.min(range.end, last) } : { start: 0, end: last },
      );
    },

    async stat(key: string): Promise<BlobInfo | null> {
      if (!KEY.test(key)) return null;
      const meta = await metaOf(key);
      return meta && toInfo(key, meta);
    },

    async delete(key: string): Promise<boolean> {
      return KEY.test(key) ? removeBlob(key) : false;
    },

    async *listStoredBefore(before: Date, pageSize: number): AsyncIterable<BlobInfo> {
      const found: BlobInfo[] = [];
      for (const shard of await shards()) {
        const names = await readdir(join(root, shard));
        const legacy = new Set(
          names.filter((n) => n.endsWith(META_SUFFIX)).map((n) => n.slice(0, -META_SUFFIX.length)),
        );
        // Every blob, and the metadata a crash left without bytes in the earlier layout.
        const keys = [
          ...new Set([...names.filter((n) => KEY.test(n) && !n.endsWith(META_SUFFIX)), ...legacy]),
        ];
        for (let i = 0; i < keys.length; i += pageSize) {
          const metas = await Promise.all(
            keys.slice(i, i + pageSize).map(async (key) => {
              const meta = legacy.has(key)
                ? await readLegacyMeta(join(root, shard, `${key}${META_SUFFIX}`))
                : await metaOf(key);
              return meta ? toInfo(key, meta) : null;
            }),
          );
          for (const info of metas) if (info && info.createdAt < before) found.push(info);
        }
      }
      found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.key < b.key ? -1 : 1));
      yield* found;
    },
  };
}
