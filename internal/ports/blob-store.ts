// The BlobStore port: streamed, content-addressed-by-checksum storage for image and video bytes.
import type { Readable } from 'node:stream';

export interface StoredBlob {
  key: string;
  sha256: string;
  size: number;
}

/** What the store knows of a blob; its checksum lives with the events and read models that refer to it. */
export interface BlobInfo {
  key: string;
  size: number;
  contentType: string;
  createdAt: Date;
  metadata: Record<string, string>;
}

export interface PutOptions {
  /** Chosen by the caller so that the key can be published before the bytes finish (e.g. the image id). */
  key: string;
  contentType: string;
  metadata?: Record<string, string>;
  signal?: AbortSignal;
}

/** An inclusive byte range, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface BlobStore {
  /** Streams `source` into the store; nothing is left behind when it throws. */
  put(source: Readable | AsyncIterable<Uint8Array>, options: PutOptions): Promise<StoredBlob>;
  /** The bytes of `key` (a range of them when given); throws NotFoundError for an unknown key. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | null>;
  /** Removes the blob; false when there was none (deleting twice is fine). */
  delete(key: string): Promise<boolean>;
  /** Every blob stored before `before`, oldest first, read `pageSize` at a time: the sweeper's input. */
  listStoredBefore(before: Date, pageSize: number): AsyncIterable<BlobInfo>;
}
