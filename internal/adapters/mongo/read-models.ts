// The MongoDB read models the projector maintains, their document shapes and indexes.
import type { Collection, Db } from 'mongodb';
import type { ImageStatus } from '../../images/status.ts';
import type { Variant } from '../../images/image.ts';

/** What one event did to the counters: replayed as-is when the event is delivered again. */
export interface CounterChange {
  seq: number;
  groupId: string;
  groupName?: string;
  /** The creation day (UTC, YYYY-MM-DD) of the image: the statistics bucket it counts in. */
  day: string;
  changedAt: Date;
  count?: 1 | -1;
  from?: ImageStatus;
  to?: ImageStatus;
}

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
  status: ImageStatus;
  createdAt: Date;
  createdDay: string;
  updatedAt: Date;
  variants: Variant[];
  /** Stream sequence of the last event applied: the idempotence guard. */
  lastSeq: number;
  lastEventId: string;
  lastChange: CounterChange | null;
}

export interface GroupDoc {
  _id: string;
  name: string;
  createdAt: Date;
  count: number;
  statusCounts: Partial<Record<ImageStatus, number>>;
  latestChangeAt: Date;
  lastSeq: number;
}

export interface DayDoc {
  /** The day, YYYY-MM-DD (UTC). */
  _id: string;
  counts: Partial<Record<ImageStatus, number>>;
  lastSeq: number;
}

export interface TombstoneDoc {
  _id: string;
  seq: number;
  deletedAt: Date;
  change: CounterChange;
}

export interface ReadModels {
  images: Collection<ImageDoc>;
  groups: Collection<GroupDoc>;
  days: Collection<DayDoc>;
  tombstones: Collection<TombstoneDoc>;
}

export const READ_MODEL_COLLECTIONS = [
  'images',
  'groups',
  'daily_status_counts',
  'image_tombstones',
] as const;

/** The read-model collections of `db`. */
export function readModels(db: Db): ReadModels {
  return {
    images: db.collection<ImageDoc>('images'),
    groups: db.collection<GroupDoc>('groups'),
    days: db.collection<DayDoc>('daily_status_counts'),
    tombstones: db.collection<TombstoneDoc>('image_tombstones'),
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
    // GET /v1/groups pages, most recently changed first.
    models.groups.createIndex({ latestChangeAt: -1, _id: -1 }),
  ]);
}

/** The UTC day of `date`, YYYY-MM-DD. */
export function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}
