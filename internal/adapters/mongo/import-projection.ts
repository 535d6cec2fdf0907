// The `imports` read model: one document per import (its request, owner, status and counts) and one per item
// in `import_items` (a URL of a document and its outcome), projected from `pf.import.*` events in stream
// order. Every import document records the sequence of the last event applied to it, and counters move only
// for an event past it, so a redelivered batch changes nothing twice; an item is written before its counter.
import type { Collection, Db, Filter } from 'mongodb';
import type { AnyEvent } from '../../events/catalog.ts';
import {
  importEnded,
  type ImportItemDone,
  type ImportStatus,
  type ImportView,
} from '../../imports/import.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

type ImportDoc = Omit<ImportView, 'id'> & { _id: string };
type ItemDoc = Omit<ImportItemDone, 'itemId'> & { _id: string; seq: number; at: Date };

const toView = ({ _id, ...rest }: ImportDoc): ImportView => ({ id: _id, ...rest });

export function createImportProjection(db: Db) {
  const imports: Collection<ImportDoc> = db.collection('imports');
  const items: Collection<ItemDoc> = db.collection('import_items');

  async function apply(event: AnyEvent, seq: number): Promise<boolean> {
    if (!event.type.startsWith('pf.import.')) return false;
    const importId = (event.data as { importId: string }).importId;
    const at = new Date(event.time);
    const current = await imports.findOne({ _id: importId });
    if (current && current.lastSeq >= seq) return false;
    if (event.type === 'pf.import.requested') {
      if (current) return false;
      await imports.updateOne(
        { _id: importId },
        {
          $setOnInsert: {
            owner: event.actor,
            request: event.data.request,
            status: 'pending',
            cancelRequested: false,
            documents: null,
            counts: { found: 0, downloaded: 0, skipped: 0, failed: 0 },
            reason: null,
            createdAt: at,
            startedAt: null,
            completedAt: null,
            updatedAt: at,
            lastSeq: seq,
          },
        },
        { upsert: true },
      );
      return true;
    }
    // Events of an import whose request this projection never saw (published by hand) are left alone.
    if (!current) return false;
    const guard = { _id: importId, lastSeq: current.lastSeq };
    const ended = importEnded(current.status);
    switch (event.type) {
      case 'pf.import.started':
        await imports.updateOne(guard, {
          $set: {
            documents: event.data.documents,
            'counts.found': event.data.found,
            ...(ended ? {} : { status: 'running' as const }),
            startedAt: current.startedAt ?? at,
            updatedAt: at,
            lastSeq: seq,
          },
        });
        return true;
      case 'pf.import.item_done': {
        const { itemId, ...item } = event.data;
        const written = await items.updateOne(
          { _id: itemId },
          { $setOnInsert: { ...item, seq, at } },
          { upsert: true },
        );
        // The first event about an item counts (also when redelivered after a crash between these two writes); a
        // later one about the same item (a resumed import) does not.
        const first =
          written.upsertedCount === 1 ||
          (await items.findOne({ _id: itemId }, { projection: { seq: 1 } }))?.seq === seq;
        await imports.updateOne(guard, {
          ...(first ? { $inc: { [`counts.${item.outcome}`]: 1 } } : {}),
          $set: { updatedAt: at, lastSeq: seq },
        });
        return true;
      }
      case 'pf.import.completed':
      case 'pf.import.failed':
      case 'pf.import.cancelled': {
        const status =
          event.type === 'pf.import.completed'
            ? 'completed'
            : event.type === 'pf.import.failed'
              ? 'failed'
              : 'cancelled';
        await imports.updateOne(guard, {
          $set: {
            ...(ended ? {} : { status, completedAt: at }),
            ...(event.type === 'pf.import.failed' ? { reason: event.data.reason } : {}),
            updatedAt: at,
            lastSeq: seq,
          },
        });
        return true;
      }
      case 'pf.import.cancel_requested':
        await imports.updateOne(guard, { $set: { cancelRequested: true, updatedAt: at, lastSeq: seq } });
        return true;
      default:
        return false;
    }
  }

  return {
    apply,
    async get(id: string): Promise<ImportView | null> {
      const doc = await imports.findOne({ _id: id });
      return doc ? toView(doc) : null;
    },
    /** Imports newest first (ids are ULIDs), by status and owner. */
    async list(query: { status?: ImportStatus; owner?: string; limit: number; cursor?: string }) {
      const filter: Filter<ImportDoc> = {};
      if (query.status) filter.status = query.status;
      if (query.owner !== undefined) filter.owner = query.owner;
      if (query.cursor) filter._id = { $lt: decodeCursor(query.cursor, ['string'])[0] as string };
      const docs = await imports
        .find(filter)
        .sort({ _id: -1 })
        .limit(query.limit + 1)
        .toArray();
      const page = docs.slice(0, query.limit).map(toView);
      return {
        items: page,
        nextCursor: docs.length > query.limit ? encodeCursor([page[page.length - 1]!.id]) : null,
      };
    },
    /** An import's items in the order they finished, optionally by outcome. */
    async items(
      importId: string,
      query: { outcome?: ImportItemDone['outcome']; limit: number; cursor?: string },
    ) {
      const filter: Filter<ItemDoc> = { importId };
      if (query.outcome) filter.outcome = query.outcome;
      if (query.cursor) filter.seq = { $gt: Number(decodeCursor(query.cursor, ['string'])[0]) };
      const docs = await items
        .find(filter)
        .sort({ seq: 1 })
        .limit(query.limit + 1)
        .toArray();
      const page = docs
        .slice(0, query.limit)
        .map(({ _id, seq: _seq, at, ...rest }) => ({ itemId: _id, ...rest, at }));
      const last = docs[query.limit - 1];
      return {
        items: page,
        nextCursor: docs.length > query.limit && last ? encodeCursor([String(last.seq)]) : null,
      };
    },
    /** The outcomes an import's items already have: what a resumed import does not do again. */
    async outcomes(importId: string): Promise<Map<string, ImportItemDone['outcome']>> {
      const docs = await items.find({ importId }, { projection: { _id: 1, outcome: 1 } }).toArray();
      return new Map(docs.map((d) => [d._id, d.outcome]));
    },
    async ensureIndexes() {
      await Promise.all([
        imports.createIndex({ status: 1, _id: -1 }),
        imports.createIndex({ owner: 1, _id: -1 }),
        items.createIndex({ importId: 1, seq: 1 }),
        items.createIndex({ importId: 1, outcome: 1, seq: 1 }),
      ]);
    },
  };
}

export type ImportProjection = ReturnType<typeof createImportProjection>;
