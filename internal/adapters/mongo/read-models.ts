// The MongoDB read models the projector maintains, their document shapes and indexes.
import type { Collection, Db } from 'mongodb';
import type { ImageStatus } from '../../images/status.ts';
import type { ImageOrigin, Variant } from '../../images/image.ts';
import type { UploadedVideo } from '../../videos/video.ts';

export interface ImageDoc {
  _id: string;
  groupId: string;
  groupName: string;
  filename: string;
  contentType: string;
  size: number;
  width: number;
  height: number;
  sha256: string;
  blobKey: string;
  uploader: string | null;
  tags: string[];
  /** Present on images an import brought in. */
  origin?: ImageOrigin;
  status: ImageStatus;
  /** The actor who uploaded it (`user:<id>`, `key:<name>`); null in documents projected before owners. */
  owner: string | null;
  createdAt: Date;
  createdDay: string;
  updatedAt: Date;
  variants: Variant[];
  /** Stream sequence of the last event applied: the idempotence guard. */
  lastSeq: number;
  lastEventId: string;
}

export interface GroupDoc {
  _id: string;
  name: string;
  /** The actor who created it; null in documents projected before owners. */
  owner: string | null;
  createdAt: Date;
  count: number;
  statusCounts: Record<ImageStatus, number>;
  latestChangeAt: Date;
  lastSeq: number;
}

export interface DayDoc {
  /** The day, YYYY-MM-DD (UTC). */
  _id: string;
  counts: Record<ImageStatus, number>;
  lastSeq: number;
}

/** Left behind by a deleted image, so that replaying its earlier events does not bring it back. */
export interface TombstoneDoc {
  _id: string;
  seq: number;
  deletedAt: Date;
}

/** One per video: the probed facts of its upload and its variants (poster, enhanced outputs). */
export interface VideoDoc extends Omit<UploadedVideo, 'videoId' | 'uploader'> {
  _id: string;
  uploader: string | null;
  /** The actor who uploaded it; null in documents projected before owners. */
  owner: string | null;
  createdAt: Date;
  updatedAt: Date;
  variants: Variant[];
  lastSeq: number;
  lastEventId: string;
}

export interface ReadModels {
  images: Collection<ImageDoc>;
  groups: Collection<GroupDoc>;
  days: Collection<DayDoc>;
  tombstones: Collection<TombstoneDoc>;
  videos: Collection<VideoDoc>;
  videoTombstones: Collection<TombstoneDoc>;
}

export const READ_MODEL_COLLECTIONS = [
  'images',
  'groups',
  'daily_status_counts',
  'image_tombstones',
  'videos',
  'video_tombstones',
] as const;

/** The read-model collections of `db`. */
export function readModels(db: Db): ReadModels {
  return {
    images: db.collection<ImageDoc>('images'),
    groups: db.collection<GroupDoc>('groups'),
    days: db.collection<DayDoc>('daily_status_counts'),
    tombstones: db.collection<TombstoneDoc>('image_tombstones'),
    videos: db.collection<VideoDoc>('videos'),
    videoTombstones: db.collection<TombstoneDoc>('video_tombstones'),
  };
}

/** Creates the indexes every query relies on; idempotent. */
export async function ensureReadModelIndexes(models: ReadModels): Promise<void> {
  await Promise.all([
    // The images of a group, newest change first (GET /v1/groups' $lookup).
    models.images.createIndex({ groupId: 1, updatedAt: -1, _id: -1 }),
    models.images.createIndex({ groupId: 1, status: 1, updatedAt: -1, _id: -1 }),
    // GET /v1/images listings, newest upload first.
    models.images.createIndex({ groupId: 1, _id: -1 }),
    models.images.createIndex({ status: 1, _id: -1 }),
    models.images.createIndex({ blobKey: 1 }),
    // An import finds what it brought in before: the same URL with the same bytes is not stored twice.
    models.images.createIndex({ 'origin.url': 1, sha256: 1 }, { sparse: true }),
    // What one account sees: its images newest first, its statistics by day.
    models.images.createIndex({ owner: 1, _id: -1 }),
    models.images.createIndex({ owner: 1, createdDay: 1, status: 1 }),
    models.groups.createIndex({ owner: 1, latestChangeAt: -1, _id: -1 }),
    models.videos.createIndex({ owner: 1, _id: -1 }),
    // GET /v1/groups pages, most recently changed first.
    models.groups.createIndex({ latestChangeAt: -1, _id: -1 }),
    models.videos.createIndex({ blobKey: 1 }),
  ]);
}

/** The UTC day of `date`, YYYY-MM-DD. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}
