// Applies image and group events to the read models, idempotently and in batches: replaying any prefix of
// the stream changes nothing, and a batch redelivered after a crash finishes exactly what it had not done.
//
// How: every document records the stream sequence of the last event applied to it (`lastSeq`), and events
// are applied in stream order by one projector. A batch writes in a fixed order — group creations, then
// tombstones, then counters (groups, days), then images — so counter documents are always at least as far
// along as the images they count. After a crash between any two writes, the redelivered events find the
// images in their old state, recompute the same changes, and the counters skip what they already have.
import type { AnyBulkWriteOperation } from 'mongodb';
import type { AnyEvent } from '../../events/catalog.ts';
import { zeroCounts, type ImageStatus } from '../../images/status.ts';
import { dayOf, type DayDoc, type GroupDoc, type ImageDoc, type ReadModels } from './read-models.ts';

export type ProjectionResult = 'applied' | 'skipped' | 'unknown-image';

export interface SequencedEvent {
  event: AnyEvent;
  seq: number;
}

/** What one event does to a group's and a day's counters. */
interface CounterChange {
  seq: number;
  groupId: string;
  groupName?: string;
  /** The owner of a group this change may create (an upload's actor). */
  owner?: string;
  day: string;
  changedAt: Date;
  count?: 1 | -1;
  from?: ImageStatus;
  to?: ImageStatus;
}

/** Net counter writes of a batch for one document. */
interface Pending {
  inc: Record<string, number>;
  seq: number;
  changedAt: Date;
  firstChangedAt: Date;
  name: string | undefined;
  owner: string | undefined;
}

/**
 * The image projection. It must see events in stream order and never two batches at once (the projector's
 * consumer guarantees both), which is what makes the read-then-write below safe without transactions.
 */
export function createImageProjection(models: ReadModels) {
  async function applyBatch(items: SequencedEvent[]): Promise<ProjectionResult[]> {
    const imageIds = [
      ...new Set(items.flatMap(({ event }) => (isImageEvent(event) ? [imageIdOf(event)] : []))),
    ];
    const [imageDocs, tombstoneDocs] = await Promise.all([
      imageIds.length ? models.images.find({ _id: { $in: imageIds } }).toArray() : [],
      imageIds.length
        ? models.tombstones.find({ _id: { $in: imageIds } }, { projection: { _id: 1 } }).toArray()
        : [],
    ]);
    const images = new Map<string, ImageDoc | null>(imageDocs.map((d) => [d._id, d]));
    const tombstoned = new Set(tombstoneDocs.map((t) => t._id));
    const original = new Map(images);
    const changes: CounterChange[] = [];
    const newTombstones: { _id: string; seq: number; deletedAt: Date }[] = [];
    const groupCreations: AnyEvent[] = [];
    const results: ProjectionResult[] = [];

    for (const { event, seq } of items) {
      if (event.type === 'pf.group.created') {
        groupCreations.push(event);
        results.push('applied');
        continue;
      }
      if (!isImageEvent(event)) {
        results.push('skipped');
        continue;
      }
      const imageId = imageIdOf(event);
      const previous = images.get(imageId) ?? null;
      // A deleted image (its document gone, its tombstone left) ignores the events of its past.
      if (!previous && tombstoned.has(imageId)) {
        results.push('skipped');
        continue;
      }
      if (previous && previous.lastSeq >= seq) {
        results.push('skipped');
        continue;
      }
      const step = applyToImage(event, seq, previous);
      if (step === 'unknown-image' || step === 'skipped') {
        results.push(step);
        continue;
      }
      images.set(imageId, step.next);
      if (step.change) changes.push(step.change);
      if (!step.next) {
        tombstoned.add(imageId);
        newTombstones.push({ _id: imageId, seq, deletedAt: new Date(event.time) });
      }
      results.push('applied');
    }

    await writeGroupCreations(groupCreations);
    if (newTombstones.length) {
      await models.tombstones.bulkWrite(
        newTombstones.map(({ _id, ...rest }) => ({
          updateOne: { filter: { _id }, update: { $setOnInsert: rest }, upsert: true },
        })),
        { ordered: true },
      );
    }
    await writeCounters(changes);
    await writeImages(original, images);
    return results;
  }

  async function writeGroupCreations(events: AnyEvent[]): Promise<void> {
    if (events.length === 0) return;
    await models.groups.bulkWrite(
      events.flatMap((event) =>
        event.type === 'pf.group.created'
          ? [
              {
                updateOne: {
                  filter: { _id: event.data.groupId },
                  update: {
                    $setOnInsert: newGroup(event.data.name.trim(), event.actor, new Date(event.time)),
                  },
                  upsert: true,
                },
              },
            ]
          : [],
      ),
      { ordered: true },
    );
  }

  /** One guarded write per counter document, with the net effect of the events it has not seen yet. */
  async function writeCounters(changes: CounterChange[]): Promise<void> {
    if (changes.length === 0) return;
    const groupIds = [...new Set(changes.map((c) => c.groupId))];
    const days = [...new Set(changes.filter((c) => c.from || c.to).map((c) => c.day))];
    const [groupDocs, dayDocs] = await Promise.all([
      models.groups.find({ _id: { $in: groupIds } }, { projection: { lastSeq: 1 } }).toArray(),
      days.length ? models.days.find({ _id: { $in: days } }, { projection: { lastSeq: 1 } }).toArray() : [],
    ]);
    const groupSeq = new Map<string, number>(groupDocs.map((g) => [g._id, g.lastSeq ?? 0]));
    const daySeq = new Map<string, number>(dayDocs.map((d) => [d._id, d.lastSeq ?? 0]));
    const groupPending = new Map<string, Pending>();
    const dayPending = new Map<string, Pending>();
    const pendingFor = (map: Map<string, Pending>, key: string, change: CounterChange) => {
      const p = map.get(key) ?? {
        inc: {},
        seq: 0,
        changedAt: change.changedAt,
        firstChangedAt: change.changedAt,
        name: change.groupName,
        owner: change.owner,
      };
      map.set(key, p);
      p.seq = change.seq;
      if (change.changedAt > p.changedAt) p.changedAt = change.changedAt;
      return p;
    };
    const add = (pending: Pending, key: string, delta: number) => {
      pending.inc[key] = (pending.inc[key] ?? 0) + delta;
    };
    for (const change of changes) {
      if (change.seq > (groupSeq.get(change.groupId) ?? -1)) {
        const g = pendingFor(groupPending, change.groupId, change);
        if (change.count) add(g, 'count', change.count);
        if (change.from) add(g, `statusCounts.${change.from}`, -1);
        if (change.to) add(g, `statusCounts.${change.to}`, 1);
      }
      if ((change.from || change.to) && change.seq > (daySeq.get(change.day) ?? -1)) {
        const d = pendingFor(dayPending, change.day, change);
        if (change.from) add(d, `counts.${change.from}`, -1);
        if (change.to) add(d, `counts.${change.to}`, 1);
      }
    }
    // New counter documents first get their full, zeroed shape, so every document has the same fields in
    // the same order however the stream was cut into batches (rebuilds are byte-identical).
    const newGroups = [...groupPending].filter(([id]) => !groupSeq.has(id));
    const newDays = [...dayPending].filter(([id]) => !daySeq.has(id));
    await Promise.all([
      newGroups.length &&
        models.groups.bulkWrite(
          newGroups.map(([id, p]) => ({
            updateOne: {
              filter: { _id: id },
              update: { $setOnInsert: newGroup(p.name ?? id, p.owner ?? null, p.firstChangedAt) },
              upsert: true,
            },
          })),
          { ordered: false },
        ),
      newDays.length &&
        models.days.bulkWrite(
          newDays.map(([id]) => ({
            updateOne: {
              filter: { _id: id },
              update: { $setOnInsert: { counts: zeroCounts(), lastSeq: 0 } },
              upsert: true,
            },
          })),
          { ordered: false },
        ),
    ]);
    const guarded = (known: Map<string, number>, id: string) => ({ _id: id, lastSeq: known.get(id) ?? 0 });
    const incOf = (p: Pending) => (Object.keys(p.inc).length ? { $inc: p.inc } : {});
    const groupOps: AnyBulkWriteOperation<GroupDoc>[] = [...groupPending].map(([id, p]) => ({
      updateOne: {
        filter: guarded(groupSeq, id),
        update: { ...incOf(p), $max: { latestChangeAt: p.changedAt }, $set: { lastSeq: p.seq } },
      },
    }));
    const dayOps: AnyBulkWriteOperation<DayDoc>[] = [...dayPending].map(([id, p]) => ({
      updateOne: { filter: guarded(daySeq, id), update: { ...incOf(p), $set: { lastSeq: p.seq } } },
    }));
    await Promise.all([
      groupOps.length && models.groups.bulkWrite(groupOps, { ordered: false }),
      dayOps.length && models.days.bulkWrite(dayOps, { ordered: false }),
    ]);
  }

  async function writeImages(before: Map<string, ImageDoc | null>, after: Map<string, ImageDoc | null>) {
    const ops: AnyBulkWriteOperation<ImageDoc>[] = [];
    for (const [id, next] of after) {
      const previous = before.get(id) ?? null;
      if (next === previous) continue;
      if (!next) ops.push({ deleteOne: { filter: { _id: id } } });
      else if (previous)
        ops.push({ replaceOne: { filter: { _id: id, lastSeq: previous.lastSeq }, replacement: next } });
      else ops.push({ insertOne: { document: next } });
    }
    if (ops.length) await models.images.bulkWrite(ops, { ordered: true });
  }

  return {
    applyBatch,
    /** Applies one event at stream sequence `seq`. */
    async apply(event: AnyEvent, seq: number): Promise<ProjectionResult> {
      return (await applyBatch([{ event, seq }]))[0]!;
    },
  };
}

export type ImageProjection = ReturnType<typeof createImageProjection>;

type ImageEvent = Extract<
  AnyEvent,
  {
    type:
      | 'pf.image.uploaded'
      | 'pf.image.status_changed'
      | 'pf.image.metadata_updated'
      | 'pf.image.deleted'
      | 'pf.image.variant_added';
  }
>;

/** A group document as first written: every counter present and zero. */
function newGroup(name: string, owner: string | null, at: Date): Omit<GroupDoc, '_id'> {
  return {
    name,
    owner,
    createdAt: at,
    count: 0,
    statusCounts: zeroCounts(),
    latestChangeAt: at,
    lastSeq: 0,
  };
}

function isImageEvent(event: AnyEvent): event is ImageEvent {
  return event.type.startsWith('pf.image.');
}

function imageIdOf(event: ImageEvent): string {
  return event.data.imageId;
}

/** The next state of one image after `event`, and its counter change; null `next` means deleted. */
function applyToImage(
  event: ImageEvent,
  seq: number,
  previous: ImageDoc | null,
): { next: ImageDoc | null; change: CounterChange | null } | 'unknown-image' | 'skipped' {
  const at = new Date(event.time);
  if (event.type === 'pf.image.uploaded') {
    if (previous) return 'skipped';
    const d = event.data;
    const day = dayOf(at);
    return {
      next: {
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
        ...(d.origin ? { origin: d.origin } : {}),
        status: 'new',
        owner: event.actor,
        createdAt: at,
        createdDay: day,
        updatedAt: at,
        variants: [],
        lastSeq: seq,
        lastEventId: event.id,
      },
      change: {
        seq,
        groupId: d.groupId,
        groupName: d.groupName,
        owner: event.actor,
        day,
        changedAt: at,
        count: 1,
        to: 'new',
      },
    };
  }
  if (!previous) return 'unknown-image';
  const next: ImageDoc = { ...previous, lastSeq: seq, lastEventId: event.id };
  const touch = { seq, groupId: previous.groupId, day: previous.createdDay, changedAt: at };
  switch (event.type) {
    case 'pf.image.status_changed':
      if (event.data.status === previous.status) return { next, change: null };
      next.status = event.data.status;
      next.updatedAt = at;
      return { next, change: { ...touch, from: previous.status, to: event.data.status } };
    case 'pf.image.metadata_updated':
      if (event.data.uploader !== undefined) next.uploader = event.data.uploader;
      if (event.data.tags !== undefined) next.tags = event.data.tags;
      next.updatedAt = at;
      return { next, change: touch };
    case 'pf.image.variant_added':
      next.variants = [
        ...previous.variants.filter((v) => v.name !== event.data.variant.name),
        event.data.variant,
      ];
      return { next, change: null };
    case 'pf.image.deleted':
      return { next: null, change: { ...touch, count: -1, from: previous.status } };
  }
}
