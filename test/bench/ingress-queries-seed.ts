// Seeds the read models directly with documents of exactly the shape the projector writes (ImageDoc,
// GroupDoc, DayDoc), as they would stand after uploads, WebP derivatives and review over the last 60 days.
import { ulid } from 'ulid';
import { groupIdForName } from '../../internal/ids/ids.ts';
import { IMAGE_STATUSES, zeroCounts, type ImageStatus } from '../../internal/images/status.ts';
import { webpBlobKey } from '../../internal/derivatives/webp-derivative.ts';
import {
  dayOf,
  type DayDoc,
  type GroupDoc,
  type ImageDoc,
  type ReadModels,
} from '../../internal/adapters/mongo/read-models.ts';

/** What {@link seedReadModels} wrote. */
export interface SeedSummary {
  images: number;
  groups: number;
  days: number;
  byStatus: Record<ImageStatus, number>;
  ms: number;
}

const DAY_MS = 86_400_000;
const BATCH = 1000;

/** A small deterministic PRNG (mulberry32), so every run seeds the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const hex64 = (next: () => number) =>
  Array.from({ length: 8 }, () =>
    Math.floor(next() * 2 ** 32)
      .toString(16)
      .padStart(8, '0'),
  ).join('');

/**
 * Writes `groups` groups of `images / groups` images each: every group starts on a random day of the last
 * `days` days and gets its images over the next three; statuses are spread evenly over the four (an image
 * that left `new` was changed up to two days after its upload). insertMany in batches of 1000.
 */
export async function seedReadModels(
  models: ReadModels,
  { images = 100_000, groups = 5000, days = 60, now = Date.now() } = {},
): Promise<SeedSummary> {
  const started = performance.now();
  const next = random(42);
  const perGroup = Math.ceil(images / groups);
  const dayDocs = new Map<string, DayDoc>();
  const byStatus = zeroCounts();
  let seq = 0;
  let imageBatch: ImageDoc[] = [];
  let groupBatch: GroupDoc[] = [];
  const flush = async (force = false) => {
    if (imageBatch.length >= BATCH || (force && imageBatch.length)) {
      await models.images.insertMany(imageBatch, { ordered: false });
      imageBatch = [];
    }
    if (groupBatch.length >= BATCH || (force && groupBatch.length)) {
      await models.groups.insertMany(groupBatch, { ordered: false });
      groupBatch = [];
    }
  };
  for (let g = 0, made = 0; g < groups && made < images; g++) {
    const name = `bench group ${g}`;
    const groupId = groupIdForName(name);
    const groupStart = now - days * DAY_MS + next() * days * DAY_MS;
    const group: GroupDoc = {
      _id: groupId,
      name,
      owner: 'key:bench',
      createdAt: new Date(groupStart),
      count: 0,
      statusCounts: zeroCounts(),
      latestChangeAt: new Date(groupStart),
      lastSeq: 0,
    };
    for (let k = 0; k < perGroup && made < images; k++, made++) {
      const created = Math.min(now - 1000, groupStart + next() * 3 * DAY_MS);
      const status = IMAGE_STATUSES[made % IMAGE_STATUSES.length]!;
      const updated = status === 'new' ? created : Math.min(now, created + next() * 2 * DAY_MS);
      const id = ulid(Math.floor(created));
      const createdAt = new Date(created);
      const updatedAt = new Date(updated);
      const day = dayOf(createdAt);
      // uploaded, then the WebP variant, then (unless still new) the status change: three events.
      seq += status === 'new' ? 2 : 3;
      const image: ImageDoc = {
        _id: id,
        groupId,
        groupName: name,
        owner: 'key:bench',
        filename: `photo-${made}.jpg`,
        contentType: 'image/jpeg',
        size: 150_000 + Math.floor(next() * 100_000),
        width: 1280,
        height: 960,
        sha256: hex64(next),
        blobKey: id,
        uploader: made % 3 === 0 ? null : `user${made % 50}`,
        tags: made % 2 === 0 ? ['bench'] : ['bench', `batch-${g % 10}`],
        status,
        createdAt,
        createdDay: day,
        updatedAt,
        variants: [
          {
            name: 'webp',
            kind: 'derivative',
            blobKey: webpBlobKey(id),
            contentType: 'image/webp',
            size: 60_000 + Math.floor(next() * 40_000),
            width: 1280,
            height: 960,
            sha256: hex64(next),
          },
        ],
        lastSeq: seq,
        lastEventId: ulid(Math.floor(updated)),
      };
      imageBatch.push(image);
      byStatus[status]++;
      group.count++;
      group.statusCounts[status]++;
      if (updatedAt > group.latestChangeAt) group.latestChangeAt = updatedAt;
      group.lastSeq = Math.max(group.lastSeq, seq);
      const dayDoc = dayDocs.get(day) ?? { _id: day, counts: zeroCounts(), lastSeq: 0 };
      dayDoc.counts[status]++;
      dayDoc.lastSeq = Math.max(dayDoc.lastSeq, seq);
      dayDocs.set(day, dayDoc);
      await flush();
    }
    groupBatch.push(group);
  }
  await flush(true);
  await models.days.insertMany([...dayDocs.values()]);
  const [imageCount, groupCount] = await Promise.all([
    models.images.estimatedDocumentCount(),
    models.groups.estimatedDocumentCount(),
  ]);
  return {
    images: imageCount,
    groups: groupCount,
    days: dayDocs.size,
    byStatus,
    ms: performance.now() - started,
  };
}
