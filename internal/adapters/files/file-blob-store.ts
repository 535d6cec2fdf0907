// A BlobStore on the local file system: the embedded default's image bytes, kept outside the document store
// so that `pixelforge up` holds gigabytes of photos without the Mongo-wire server reading them into its heap.
//
// Layout under the root: `<shard>/<key>` holds the bytes and `<shard>/<key>.meta.json` what the port reports
// about them (content type, metadata, creation time, size); `tmp/` holds writes in progress. A put streams into
// `tmp/`, then renames the metadata into place and the bytes last, so a blob exists exactly when its bytes file
// does; a crash in between leaves metadata without bytes, which `listStoredBefore` still reports so the
// sweeper removes it. With `fsync`, both files and their directory are synced before `put` returns.
import { createHash, randomBytes } from 'node:crypto';
import {
  mkdir,
  open,
  type FileHandle,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
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
const STALE_TMP_MS = 3600_000;
/** How many bytes a put gathers before writing them: a typical photo is one write. */
const WRITE_BUFFER = 256 * 1024;

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
  const tmpDir = join(root, 'tmp');
  const shardOf = (key: string) =>
    key
      .slice(-2)
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '_')
      .padStart(2, '_');
  const pathsOf = (key: string) => {
    if (!KEY.test(key)) throw new NotFoundError('blob', key);
    const dir = join(root, shardOf(key));
    return { dir, bytes: join(dir, key), meta: join(dir, `${key}${META_SUFFIX}`) };
  };
  // Directories this store made or found: a put makes its two only the first time (a busy import would
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
  const readMeta = async (path: string): Promise<MetaFile | null> =>
    readFile(path, 'utf8')
      .then((text) => JSON.parse(text) as MetaFile)
      .catch(() => null);
  const toInfo = (key: string, meta: MetaFile): BlobInfo => ({
    key,
    size: meta.size,
    contentType: meta.contentType,
    createdAt: new Date(meta.createdAt),
    metadata: meta.metadata,
  });

  const removeBlob = async (key: string): Promise<boolean> => {
    const paths = pathsOf(key);
    const existed = await unlink(paths.bytes).then(
      () => true,
      () => false,
    );
    await unlink(paths.meta).catch(() => {});
    return existed;
  };

  return {
    async ensureIndexes() {
      await mkdir(tmpDir, { recursive: true });
      // Writes a crash interrupted: nothing refers to them. Other processes share the directory, so only
      // files no write can still be busy with go.
      const cutoff = Date.now() - STALE_TMP_MS;
      for (const name of await readdir(tmpDir)) {
        const path = join(tmpDir, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtimeMs < cutoff) await rm(path, { force: true });
      }
    },

    async put(source, options: PutOptions): Promise<StoredBlob> {
      const paths = pathsOf(options.key);
      const tmp = join(tmpDir, `${options.key}.${randomBytes(6).toString('hex')}`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        await ensureDir(tmpDir);
        const handle = await open(tmp, 'wx');
        try {
          // Chunks are gathered up to WRITE_BUFFER and written together (an image off the network arrives in
          // many small chunks, and one write each would be most of a put's cost), without copying them.
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
        const meta: MetaFile = {
          contentType: options.contentType,
          metadata: options.metadata ?? {},
          createdAt: new Date().toISOString(),
          size,
        };
        await ensureDir(paths.dir);
        await writeFile(`${tmp}${META_SUFFIX}`, JSON.stringify(meta), { flush: fsync });
        await rename(`${tmp}${META_SUFFIX}`, paths.meta);
        await rename(tmp, paths.bytes);
        if (fsync) await syncPath(paths.dir);
        return { key: options.key, sha256: hash.digest('hex'), size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') made.clear();
        await Promise.all([rm(tmp, { force: true }), rm(`${tmp}${META_SUFFIX}`, { force: true })]);
        throw err;
      }
    },

    async get(key: string, range?: ByteRange): Promise<Readable> {
      const handle = await open(pathsOf(key).bytes, 'r').catch((err: NodeJS.ErrnoException) => {
        throw err.code === 'ENOENT' ? new NotFoundError('blob', key) : err;
      });
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    async stat(key: string): Promise<BlobInfo | null> {
      if (!KEY.test(key)) return null;
      const paths = pathsOf(key);
      const [meta, bytes] = await Promise.all([readMeta(paths.meta), stat(paths.bytes).catch(() => null)]);
      return meta && bytes ? toInfo(key, meta) : null;
    },

    async delete(key: string): Promise<boolean> {
      return KEY.test(key) ? removeBlob(key) : false;
    },

    async *listStoredBefore(before: Date, pageSize: number): AsyncIterable<BlobInfo> {
      const shards = (await readdir(root, { withFileTypes: true }).catch(() => []))
        .filter((d) => d.isDirectory() && d.name !== 'tmp')
        .map((d) => d.name);
      const found: BlobInfo[] = [];
      for (const shard of shards) {
        const names = (await readdir(join(root, shard))).filter((n) => n.endsWith(META_SUFFIX));
        for (let i = 0; i < names.length; i += pageSize) {
          const metas = await Promise.all(
            names.slice(i, i + pageSize).map(async (name) => {
              const key = name.slice(0, -META_SUFFIX.length);
              const meta = await readMeta(join(root, shard, name));
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
