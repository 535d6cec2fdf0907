// The `jobs` read model in MongoDB: applies lifecycle events through the pure fold in job-view.ts, and
// answers the reads behind /v1/enhancements.
import type { Collection, Db, Filter } from 'mongodb';
import type { AnyEvent } from '../../events/catalog.ts';
import { applyJobEvent, type JobView, type JobViewPhase } from '../../jobs/job-view.ts';

type JobDoc = Omit<JobView, 'id'> & { _id: string };

export interface JobListQuery {
  /** Only the jobs this actor requested (owns). */
  requestedBy?: string;
  phase?: JobViewPhase;
  imageId?: string;
  videoId?: string;
  /** At most this many (newest first). */
  limit: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface JobPage {
  items: JobView[];
  next: string | null;
}

export interface JobProjection {
  /** Applies one event; returns whether it changed anything. Must see each job's events in stream order. */
  apply(event: AnyEvent, seq: number): Promise<boolean>;
  get(id: string): Promise<JobView | null>;
  list(query: JobListQuery): Promise<JobPage>;
  ensureIndexes(): Promise<void>;
}

const toView = ({ _id, ...rest }: JobDoc): JobView => ({ id: _id, ...rest });

/** The projection over `db.jobs`. */
export function createJobProjection(db: Db): JobProjection {
  const jobs: Collection<JobDoc> = db.collection<JobDoc>('jobs');
  return {
    async apply(event, seq) {
      const id = (event.data as { jobId?: string }).jobId;
      if (!id) return false;
      const current = await jobs.findOne({ _id: id });
      const view = current ? toView(current) : null;
      const next = applyJobEvent(view, event, seq);
      if (!next || next === view) return false;
      const { id: _id, ...doc } = next;
      // Guarded by lastSeq: a write racing a redelivery of the same event matches nothing the second time.
      if (current) await jobs.replaceOne({ _id: id, lastSeq: current.lastSeq }, doc);
      else await jobs.updateOne({ _id: id }, { $setOnInsert: doc }, { upsert: true });
      return true;
    },
    async get(id) {
      const doc = await jobs.findOne({ _id: id });
      return doc ? toView(doc) : null;
    },
    async list({ requestedBy, phase, imageId, videoId, limit, cursor }) {
      const filter: Filter<JobDoc> = {};
      if (requestedBy !== undefined) filter.requestedBy = requestedBy;
      if (phase) filter.phase = phase;
      if (imageId) filter.imageId = imageId;
      if (videoId) filter.videoId = videoId;
      if (cursor) {
        const [at, id] = decodeCursor(cursor);
        filter.$or = [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }];
      }
      const docs = await jobs
        .find(filter)
        .sort({ createdAt: -1, _id: -1 })
        .limit(limit + 1)
        .toArray();
      const items = docs.slice(0, limit).map(toView);
      const last = items[items.length - 1];
      return { items, next: docs.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
    },
    async ensureIndexes() {
      await Promise.all([
        jobs.createIndex({ createdAt: -1, _id: -1 }),
        jobs.createIndex({ requestedBy: 1, createdAt: -1, _id: -1 }),
        jobs.createIndex({ phase: 1, createdAt: -1, _id: -1 }),
        jobs.createIndex({ imageId: 1, createdAt: -1, _id: -1 }),
        jobs.createIndex({ videoId: 1, createdAt: -1, _id: -1 }),
      ]);
    },
  };
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

/** Raised for a cursor this API did not hand out. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

function decodeCursor(cursor: string): [Date, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string') throw new Error('bad');
    return [date, id];
  } catch {
    throw new InvalidCursorError('the cursor is not one this API returned');
  }
}
