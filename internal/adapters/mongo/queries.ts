// The read side: every query is one aggregation pipeline over the read models (filtering, joining,
// computed fields happen in the database), written to run the same on MongoDB 7 and the local server.
import { IMAGE_STATUSES, zeroCounts, type ImageStatus } from '../../images/status.ts';
import type {
  GroupDetail,
  GroupSummary,
  GroupView,
  ImageContent,
  ImageView,
  Page,
} from '../../images/views.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { dayOf, type ReadModels } from './read-models.ts';
import { POSTER_VARIANT } from '../../videos/video.ts';
import type { VideoContent, VideoView } from '../../videos/views.ts';

/** The document's variants, each with the URL of its bytes under `base` (`/v1/images/` or `/v1/videos/`). */
function variantsWithUrls(base: string) {
  return {
    $map: {
      input: '$variants',
      as: 'v',
      in: {
        $mergeObjects: ['$$v', { url: { $concat: [base, '$_id', '/variants/', '$$v.name', '/content'] } }],
      },
    },
  };
}

/** Projects an image document into its API shape, URLs computed by the database. */
const imageViewStage = {
  $project: {
    _id: 0,
    id: '$_id',
    group: '$groupId',
    groupName: 1,
    filename: 1,
    contentType: 1,
    size: 1,
    width: 1,
    height: 1,
    sha256: 1,
    uploader: 1,
    tags: 1,
    status: 1,
    owner: { $ifNull: ['$owner', null] },
    origin: { $ifNull: ['$origin', null] },
    url: { $concat: ['/v1/images/', '$_id', '/content'] },
    variants: variantsWithUrls('/v1/images/'),
    createdAt: 1,
    updatedAt: 1,
  },
};

/** Projects a video document into its API shape, URLs and the display frame rate computed by the database. */
const videoViewStage = {
  $project: {
    _id: 0,
    id: '$_id',
    filename: 1,
    contentType: 1,
    container: 1,
    size: 1,
    sha256: 1,
    uploader: 1,
    tags: 1,
    owner: { $ifNull: ['$owner', null] },
    durationSeconds: 1,
    width: 1,
    height: 1,
    videoCodec: 1,
    frameRate: 1,
    fps: { $divide: ['$frameRate.num', '$frameRate.den'] },
    frameCount: 1,
    audio: 1,
    streams: 1,
    url: { $concat: ['/v1/videos/', '$_id', '/content'] },
    posterUrl: {
      $cond: [
        { $in: [POSTER_VARIANT, '$variants.name'] },
        { $concat: ['/v1/videos/', '$_id', '/variants/', POSTER_VARIANT, '/content'] },
        null,
      ],
    },
    variants: variantsWithUrls('/v1/videos/'),
    createdAt: 1,
    updatedAt: 1,
  },
};

/** Where the bytes of an image or a video and its variants are, and whose they are. */
const contentStage = {
  _id: 0,
  blobKey: 1,
  contentType: 1,
  size: 1,
  sha256: 1,
  filename: 1,
  variants: 1,
  owner: { $ifNull: ['$owner', null] },
};

/** The `$match` of what `owner` may see: everything when undefined. */
const ownedBy = (owner: string | undefined) => (owner === undefined ? {} : { owner });

/** Read-model queries used by the ingress. Each list takes `owner`: only what that actor owns. */
export function createQueries(models: ReadModels) {
  /** One owner's images created from day `first` to `last`, counted by status (and by day, given `day`). */
  const ownerCounts = (owner: string, first: string, last: string, day: '$createdDay' | null) =>
    models.images
      .aggregate<{ _id: { status: ImageStatus; day?: string }; n: number }>([
        { $match: { owner, createdDay: { $gte: first, $lte: last } } },
        { $group: { _id: { status: '$status', ...(day ? { day } : {}) }, n: { $sum: 1 } } },
      ])
      .toArray();

  return {
    async video(id: string): Promise<VideoView | null> {
      const [view] = await models.videos
        .aggregate<VideoView>([{ $match: { _id: id } }, videoViewStage])
        .toArray();
      return view ?? null;
    },

    /** Where the bytes of a video and its variants are. */
    async videoContent(id: string): Promise<VideoContent | null> {
      const [doc] = await models.videos
        .aggregate<VideoContent>([{ $match: { _id: id } }, { $project: contentStage }])
        .toArray();
      return doc ?? null;
    },

    /** Videos, newest upload first. */
    async videos(filter: { limit: number; cursor?: string; owner?: string }): Promise<Page<VideoView>> {
      const after = filter.cursor ? decodeCursor(filter.cursor, ['string']) : undefined;
      const items = await models.videos
        .aggregate<VideoView>([
          { $match: { ...ownedBy(filter.owner), ...(after ? { _id: { $lt: after[0] } } : {}) } },
          { $sort: { _id: -1 } },
          { $limit: filter.limit + 1 },
          videoViewStage,
        ])
        .toArray();
      return page(items, filter.limit, (last) => [last.id]);
    },

    async image(id: string): Promise<ImageView | null> {
      const [view] = await models.images
        .aggregate<ImageView>([{ $match: { _id: id } }, imageViewStage])
        .toArray();
      return view ?? null;
    },

    /** Where the bytes of an image and its variants are. */
    async content(id: string): Promise<ImageContent | null> {
      const [doc] = await models.images
        .aggregate<ImageContent>([{ $match: { _id: id } }, { $project: contentStage }])
        .toArray();
      return doc ?? null;
    },

    /** One group with its counters (no images: page those with `images({ group })`). */
    async groupDetail(id: string): Promise<GroupDetail | null> {
      const [doc] = await models.groups
        .aggregate<GroupDetail>([
          { $match: { _id: id } },
          {
            $project: {
              _id: 0,
              id: '$_id',
              name: 1,
              owner: { $ifNull: ['$owner', null] },
              createdAt: 1,
              latestChangeAt: 1,
              count: 1,
              statusCounts: 1,
              images: { $concat: ['/v1/images?group=', '$_id'] },
            },
          },
        ])
        .toArray();
      return doc ?? null;
    },

    async group(id: string): Promise<GroupSummary | null> {
      const doc = await models.groups.findOne(
        { _id: id },
        { projection: { name: 1, createdAt: 1, owner: 1 } },
      );
      return doc ? { id: doc._id, name: doc.name, owner: doc.owner ?? null, createdAt: doc.createdAt } : null;
    },

    /** Images, newest upload first (ids are ULIDs, so `_id` order is upload order). */
    async images(filter: {
      group?: string;
      status?: ImageStatus;
      owner?: string;
      limit: number;
      cursor?: string;
    }): Promise<Page<ImageView>> {
      const after = filter.cursor ? decodeCursor(filter.cursor, ['string']) : undefined;
      const items = await models.images
        .aggregate<ImageView>([
          {
            $match: {
              ...ownedBy(filter.owner),
              ...(filter.group ? { groupId: filter.group } : {}),
              ...(filter.status ? { status: filter.status } : {}),
              ...(after ? { _id: { $lt: after[0] } } : {}),
            },
          },
          { $sort: { _id: -1 } },
          { $limit: filter.limit + 1 },
          imageViewStage,
        ])
        .toArray();
      return page(items, filter.limit, (last) => [last.id]);
    },

    /**
     * Groups by their latest image change, newest first, each with its images (filtered by status, newest
     * change first) and `count`. Two pipelines: the page of groups from their counters, then the images of
     * exactly those groups in one pass (`$in` on the indexed groupId, grouped in the database). One pass
     * instead of a `$lookup` per group: the local server has no secondary indexes and would rescan every
     * image for every group, and on MongoDB it is one index range scan per group either way.
     */
    async groups(filter: {
      status?: ImageStatus;
      owner?: string;
      limit: number;
      cursor?: string;
    }): Promise<Page<GroupView>> {
      const after = filter.cursor ? decodeCursor(filter.cursor, ['date', 'string']) : undefined;
      const rows = await models.groups
        .aggregate<Omit<GroupView, 'images'>>([
          {
            $match: {
              ...ownedBy(filter.owner),
              ...(filter.status ? { [`statusCounts.${filter.status}`]: { $gt: 0 } } : {}),
              ...(after
                ? {
                    $or: [
                      { latestChangeAt: { $lt: after[0] } },
                      { latestChangeAt: after[0], _id: { $lt: after[1] } },
                    ],
                  }
                : {}),
            },
          },
          { $sort: { latestChangeAt: -1, _id: -1 } },
          { $limit: filter.limit + 1 },
          {
            $project: {
              _id: 0,
              id: '$_id',
              name: 1,
              latestChangeAt: 1,
              count: { $ifNull: [filter.status ? `$statusCounts.${filter.status}` : '$count', 0] },
            },
          },
        ])
        .toArray();
      const shown = rows.slice(0, filter.limit);
      const imagesOf = new Map<string, ImageView[]>();
      if (shown.length > 0) {
        const grouped = await models.images
          .aggregate<{ _id: string; images: ImageView[] }>([
            {
              $match: {
                groupId: { $in: shown.map((g) => g.id) },
                ...ownedBy(filter.owner),
                ...(filter.status ? { status: filter.status } : {}),
              },
            },
            { $sort: { updatedAt: -1, _id: -1 } },
            imageViewStage,
            { $group: { _id: '$group', images: { $push: '$$ROOT' } } },
          ])
          .toArray();
        for (const row of grouped) imagesOf.set(row._id, row.images);
      }
      const items = rows.map((g) => ({ ...g, images: imagesOf.get(g.id) ?? [] }));
      return page(items, filter.limit, (last) => [last.latestChangeAt, last.id]);
    },

    /**
     * Images created in the last `days` UTC days (today included), by current status; zeros included. Over
     * everything from the day counters; over one owner's images by grouping them in the database.
     */
    async statistics(days: number, now = new Date(), owner?: string): Promise<Record<ImageStatus, number>> {
      const first = dayOf(new Date(now.getTime() - (days - 1) * 86_400_000));
      if (owner !== undefined) {
        const rows = await ownerCounts(owner, first, dayOf(now), null);
        const counts = zeroCounts();
        for (const row of rows) counts[row._id.status] += row.n;
        return counts;
      }
      const sums = Object.fromEntries(
        IMAGE_STATUSES.map((s) => [s, { $sum: { $ifNull: [`$counts.${s}`, 0] } }]),
      );
      const [row] = await models.days
        .aggregate<Record<ImageStatus, number>>([
          { $match: { _id: { $gte: first, $lte: dayOf(now) } } },
          { $group: { _id: null, ...sums } },
          { $project: { _id: 0 } },
        ])
        .toArray();
      return { ...zeroCounts(), ...row };
    },

    /** The same counts for each of the last `days` UTC days, oldest first; days without images included. */
    async dailyStatistics(
      days: number,
      now = new Date(),
      owner?: string,
    ): Promise<({ day: string } & Record<ImageStatus, number>)[]> {
      const all = Array.from({ length: days }, (_, i) =>
        dayOf(new Date(now.getTime() - (days - 1 - i) * 86_400_000)),
      );
      const byDay = new Map<string, Partial<Record<ImageStatus, number>>>();
      if (owner !== undefined) {
        for (const { _id, n } of await ownerCounts(owner, all[0]!, all[all.length - 1]!, '$createdDay')) {
          const counts = byDay.get(_id.day!) ?? {};
          counts[_id.status] = n;
          byDay.set(_id.day!, counts);
        }
      } else {
        const rows = await models.days
          .find({ _id: { $gte: all[0]!, $lte: all[all.length - 1]! } }, { projection: { counts: 1 } })
          .toArray();
        for (const r of rows) byDay.set(r._id, r.counts);
      }
      return all.map((day) => {
        const counts = byDay.get(day) ?? {};
        return { day, ...Object.fromEntries(IMAGE_STATUSES.map((s) => [s, counts[s] ?? 0])) } as {
          day: string;
        } & Record<ImageStatus, number>;
      });
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;

function page<T>(items: T[], limit: number, key: (last: T) => (string | Date)[]): Page<T> {
  if (items.length <= limit) return { items, nextCursor: null };
  const kept = items.slice(0, limit);
  return { items: kept, nextCursor: encodeCursor(key(kept[kept.length - 1]!)) };
}
