// Applies image and group events to the read models, idempotently: replaying any prefix of the stream
// changes nothing, and an event redelivered after a crash finishes exactly the writes it had not done.
import { MongoServerError } from 'mongodb';
import type { AnyEvent, EventOf } from '../../events/catalog.ts';
import { normaliseGroupName } from '../../ids/ids.ts';
import { dayOf, type CounterChange, type ImageDoc, type ReadModels } from './read-models.ts';

export type ProjectionResult = 'applied' | 'skipped' | 'unknown-image';

/**
 * The image projection. It must see events in stream order, one at a time (the projector's consumer runs
 * with concurrency 1), which is what makes the read-then-write below safe without transactions.
 */
export function createImageProjection(models: ReadModels) {
  // The three writes of an event are independent: each is guarded by its own lastSeq, so after a crash
  // between any of them the redelivered event redoes exactly the missing ones. So they run concurrently.
  const applyCounters = async (change: CounterChange) => {
    const inc: Record<string, number> = {};
    if (change.count) inc.count = change.count;
    if (change.from) inc[`statusCounts.${change.from}`] = -1;
    if (change.to) inc[`statusCounts.${change.to}`] = 1;
    const dayInc: Record<string, number> = {};
    if (change.from) dayInc[`counts.${change.from}`] = -1;
    if (change.to) dayInc[`counts.${change.to}`] = 1;
    await Promise.all([
      guardedUpsert(() =>
        models.groups.updateOne(
          { _id: change.groupId, lastSeq: { $lt: change.seq } },
          {
            ...(Object.keys(inc).length ? { $inc: inc } : {}),
            $max: { latestChangeAt: change.changedAt },
            $set: { lastSeq: change.seq },
            $setOnInsert: { name: change.groupName ?? change.groupId, createdAt: change.changedAt },
          },
          { upsert: true },
        ),
      ),
      Object.keys(dayInc).length &&
        guardedUpsert(() =>
          models.days.updateOne(
            { _id: change.day, lastSeq: { $lt: change.seq } },
            { $inc: dayInc, $set: { lastSeq: change.seq } },
            { upsert: true },
          ),
        ),
    ]);
  };

  const writeImage = async (doc: ImageDoc, previous: ImageDoc | null) => {
    await Promise.all([
      previous
        ? models.images.replaceOne({ _id: doc._id, lastSeq: previous.lastSeq }, doc)
        : models.images.insertOne(doc),
      doc.lastChange && applyCounters(doc.lastChange),
    ]);
  };

  const onUploaded = async (event: EventOf<'pf.image.uploaded'>, seq: number, previous: ImageDoc | null) => {
    if (previous) return 'skipped' as const;
    const d = event.data;
    const createdAt = new Date(event.time);
    const day = dayOf(createdAt);
    await writeImage(
      {
        _id: d.imageId,
        groupId: d.groupId,
        groupName: d.groupName,
        filename: d.filename,
        contentType: d.contentType,
        size: d.size,
        width: d.width,
        height: d.height,
        sha256: d.sha256,
        blobKey: d.blobKey,
        uploader: d.uploader ?? null,
        tags: d.tags,
        status: 'new',
        createdAt,
        createdDay: day,
        updatedAt: createdAt,
        variants: [],
        lastSeq: seq,
        lastEventId: event.id,
        lastChange: {
          seq,
          groupId: d.groupId,
          groupName: d.groupName,
          day,
          changedAt: createdAt,
          count: 1,
          to: 'new',
        },
      },
      null,
    );
    return 'applied' as const;
  };

  const onImageChange = async (event: AnyEvent, seq: number, previous: ImageDoc) => {
    const at = new Date(event.time);
    const next: ImageDoc = { ...previous, lastSeq: seq, lastEventId: event.id, lastChange: null };
    const touch = (): CounterChange => ({
      seq,
      groupId: previous.groupId,
      day: previous.createdDay,
      changedAt: at,
    });
    switch (event.type) {
      case 'pf.image.status_changed':
        if (event.data.status !== previous.status) {
          next.status = event.data.status;
          next.updatedAt = at;
          next.lastChange = { ...touch(), from: previous.status, to: event.data.status };
        }
        break;
      case 'pf.image.metadata_updated':
        if (event.data.uploader !== undefined) next.uploader = event.data.uploader;
        if (event.data.tags !== undefined) next.tags = event.data.tags;
        next.updatedAt = at;
        next.lastChange = touch();
        break;
      case 'pf.image.variant_added':
        next.variants = [
          ...previous.variants.filter((v) => v.name !== event.data.variant.name),
          event.data.variant,
        ];
        break;
      default:
        return 'skipped' as const;
    }
    await writeImage(next, previous);
    return 'applied' as const;
  };

  const onDeleted = async (event: EventOf<'pf.image.deleted'>, seq: number, previous: ImageDoc) => {
    const change: CounterChange = {
      seq,
      groupId: previous.groupId,
      day: previous.createdDay,
      changedAt: new Date(event.time),
      count: -1,
      from: previous.status,
    };
    // The tombstone records the counter change, so a redelivery after the image is gone can finish the job;
    // the image is removed only once both are written.
    await Promise.all([
      models.tombstones.updateOne(
        { _id: previous._id },
        { $setOnInsert: { seq, deletedAt: change.changedAt, change } },
        { upsert: true },
      ),
      applyCounters(change),
    ]);
    await models.images.deleteOne({ _id: previous._id });
    return 'applied' as const;
  };

  return {
    /** Applies one event at stream sequence `seq`. */
    async apply(event: AnyEvent, seq: number): Promise<ProjectionResult> {
      if (event.type === 'pf.group.created') {
        await models.groups.updateOne(
          { _id: event.data.groupId },
          {
            $setOnInsert: {
              name: event.data.name.trim(),
              createdAt: new Date(event.time),
              count: 0,
              statusCounts: {},
              latestChangeAt: new Date(event.time),
              lastSeq: 0,
            },
          },
          { upsert: true },
        );
        return 'applied';
      }
      if (!('imageId' in event.data) || !event.type.startsWith('pf.image.')) return 'skipped';
      const imageId = event.data.imageId as string;
      const [previous, tombstone] = await Promise.all([
        models.images.findOne({ _id: imageId }),
        models.tombstones.findOne({ _id: imageId }),
      ]);
      if (previous && previous.lastSeq >= seq) {
        // Delivered again: finish the counter writes it may not have reached (each is guarded by lastSeq).
        if (previous.lastSeq === seq && previous.lastChange) await applyCounters(previous.lastChange);
        return 'skipped';
      }
      if (tombstone) {
        if (tombstone.seq === seq) await applyCounters(tombstone.change);
        if (tombstone.seq >= seq || event.type !== 'pf.image.deleted') return 'skipped';
      }
      if (event.type === 'pf.image.uploaded') return onUploaded(event, seq, previous);
      if (!previous) return 'unknown-image';
      if (event.type === 'pf.image.deleted') return onDeleted(event, seq, previous);
      return onImageChange(event, seq, previous);
    },
  };
}

export type ImageProjection = ReturnType<typeof createImageProjection>;

/** Runs an upsert guarded by `lastSeq < seq`; a duplicate key means the guard failed: already applied. */
async function guardedUpsert(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (err instanceof MongoServerError && err.code === 11000) return;
    throw err;
  }
}

export { normaliseGroupName };
