// Request and response schemas of the HTTP API; the OpenAPI document is generated from them.
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { ValidationError } from '../errors/errors.ts';
import { IMAGE_STATUSES, ImageStatus } from '../images/status.ts';
import { ImageOrigin, Tags, Uploader, Variant } from '../images/image.ts';

export const Problem = z
  .object({
    code: z.string().openapi({ example: 'not_found' }),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .openapi('Problem');

export const Id = z
  .string()
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a 26-character id')
  .openapi({ example: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7' });

export const ImageIdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });

export const Image = z
  .object({
    id: z.string(),
    group: z.string(),
    groupName: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    width: z.number().int(),
    height: z.number().int(),
    sha256: z.string(),
    uploader: z.string().nullable(),
    tags: z.array(z.string()),
    status: ImageStatus,
    owner: z
      .string()
      .nullable()
      .openapi({ description: 'Who owns it: `user:<id>` (an account) or `key:<name>` (an operator key).' }),
    origin: ImageOrigin.nullable().openapi({
      description: 'For an imported image: the source, document, field, URL and what its server said.',
    }),
    url: z.string().openapi({ description: 'Where the bytes are: GET it for the image.' }),
    variants: z.array(Variant.extend({ url: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Image');

/** An image as the API sends it: the wire type for clients (the CLI, the web UI). */
export type ImageJson = z.infer<typeof Image>;

export const Uploaded = Image.omit({ variants: true, updatedAt: true })
  .extend({
    seq: z.number().int().openapi({ description: 'Stream sequence: pass as ?after= to read your write.' }),
  })
  .openapi('Uploaded');

/** The text fields every upload may carry besides its file. */
export const UploadMetadataFields = z.object({
  uploader: Uploader.optional(),
  tags: z
    .string()
    .max(4000)
    .optional()
    .transform((t) =>
      t
        ? [
            ...new Set(
              t
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            ),
          ]
        : [],
    )
    .pipe(Tags),
});

export const Written = z.object({ id: z.string(), seq: z.number().int() });

export const StatusBody = z
  .object({ status: z.string() })
  .openapi({ example: { status: 'review' }, description: `One of ${IMAGE_STATUSES.join(', ')}.` });

export const MetadataBody = z
  .object({ uploader: Uploader.optional(), tags: Tags.optional() })
  .strict()
  .refine((b) => b.uploader !== undefined || b.tags !== undefined, 'give uploader or tags')
  .openapi({ example: { uploader: 'ana', tags: ['beach', 'sunset'] } });

export const GroupBody = z
  .object({ name: z.string().trim().min(1).max(200) })
  .openapi({ example: { name: 'Holiday 2026' } });
export const GroupCreated = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  seq: z.number().int(),
});

/** For routes that take no query parameters: any is refused, as the routes with a query schema do. */
export const noQuery: MiddlewareHandler = async function refuseQuery(c, next) {
  const keys = Object.keys(c.req.queries());
  if (keys.length > 0)
    throw new ValidationError(
      `unknown query parameter${keys.length > 1 ? 's' : ''} ${keys.map((k) => JSON.stringify(k)).join(', ')}; this route takes none`,
    );
  await next();
};

/** A query's schema: unknown parameters are refused, naming them and the accepted ones. */
export function queryObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown query parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys
            .map((k) => JSON.stringify(k))
            .join(', ')}; accepted: ${Object.keys(shape).join(', ')}`
        : undefined,
  });
}

const Limit = z.coerce.number().int().min(1).max(100).default(20);
const Cursor = z.string().max(512).optional();
const After = z.coerce
  .number()
  .int()
  .min(0)
  .optional()
  .openapi({ description: 'Wait until the read models include this stream sequence (read-your-writes).' });
const StatusFilter = z.enum(IMAGE_STATUSES).optional();

/** `me` (what the caller owns) or, for those who see everything, an owner such as `user:<id>`. */
export const OwnerFilter = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .optional()
  .openapi({ description: '`me`: only what the caller owns.' });

export const ImagesQuery = queryObject({
  owner: OwnerFilter,
  group: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: 'A group id, or a group name (any case).' }),
  status: StatusFilter,
  limit: Limit,
  cursor: Cursor,
  after: After,
});
export const GroupsQuery = queryObject({
  owner: OwnerFilter,
  status: StatusFilter,
  limit: Limit,
  cursor: Cursor,
  after: After,
});
export const StatisticsQuery = queryObject({
  owner: OwnerFilter,
  days: z.coerce.number().int().min(1).max(3650).default(30),
  after: After,
});
export const DailyStatisticsQuery = queryObject({
  owner: OwnerFilter,
  days: z.coerce.number().int().min(1).max(366).default(30),
  after: After,
});
export const AfterQuery = queryObject({ after: After });

export const ImagePage = z.object({ items: z.array(Image), nextCursor: z.string().nullable() });
export const GroupPage = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      count: z.number().int(),
      latestChangeAt: z.string(),
      images: z.array(Image),
    }),
  ),
  nextCursor: z.string().nullable(),
});
export const GroupDetail = z
  .object({
    id: z.string(),
    name: z.string(),
    owner: z
      .string()
      .nullable()
      .openapi({ description: 'Who owns it: `user:<id>` (an account) or `key:<name>` (an operator key).' }),
    createdAt: z.string(),
    latestChangeAt: z.string(),
    count: z.number().int(),
    statusCounts: z.record(ImageStatus, z.number().int()),
    images: z.string().openapi({ description: 'Where the images of the group are listed.' }),
  })
  .openapi('GroupDetail');

export const Statistics = z.record(ImageStatus, z.number().int()).openapi({
  example: { new: 3, review: 1, accepted: 7, deleted: 0 },
});

export const DailyStatistics = z
  .object({
    days: z.array(
      z.object({
        day: z.string().openapi({ example: '2026-12-03', description: 'A UTC day' }),
        ...Object.fromEntries(IMAGE_STATUSES.map((s) => [s, z.number().int()])),
      }),
    ),
  })
  .openapi('DailyStatistics');

/** The OpenAPI security of routes that take an access token or an API key. */
export const SESSION_OR_KEY: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }];

/** A JSON response of `schema`, for the OpenAPI document. */
export const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** The error responses every route may give, for the OpenAPI document. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: 'Problem', content: { 'application/json': { schema: Problem } } },
    ]),
  );

export const VideoIdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });

export const Video = z
  .object({
    id: z.string(),
    filename: z.string(),
    contentType: z.string(),
    container: z.string().openapi({ description: 'ffprobe demuxer names, e.g. mov,mp4,m4a,3gp,3g2,mj2' }),
    size: z.number().int(),
    sha256: z.string(),
    uploader: z.string().nullable(),
    owner: z.string().nullable(),
    tags: z.array(z.string()),
    durationSeconds: z.number(),
    width: z.number().int(),
    height: z.number().int(),
    videoCodec: z.string(),
    frameRate: z
      .object({ num: z.number().int(), den: z.number().int() })
      .openapi({ description: 'The average frame rate, exact (30000/1001 is 29.97 fps).' }),
    fps: z.number(),
    frameCount: z.number().int().openapi({ description: 'Counted from the stream, not the header.' }),
    audio: z.array(z.object({ codec: z.string(), channels: z.number().int(), sampleRate: z.number().int() })),
    streams: z.number().int(),
    url: z.string().openapi({ description: 'Where the bytes are (byte ranges supported).' }),
    posterUrl: z.string().nullable().openapi({ description: 'A WebP of one frame, once made.' }),
    variants: z.array(Variant.extend({ url: z.string() })),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Video');

export const VideoUploaded = Video.omit({ variants: true, updatedAt: true, posterUrl: true })
  .extend({
    seq: z.number().int().openapi({ description: 'Stream sequence: pass as ?after= to read your write.' }),
  })
  .openapi('VideoUploaded');

export const VideosQuery = queryObject({ owner: OwnerFilter, limit: Limit, cursor: Cursor, after: After });
export const VideoPage = z.object({ items: z.array(Video), nextCursor: z.string().nullable() });

/** The responses of a route that serves stored bytes (serve-blob.ts), for the OpenAPI document. */
export const blobResponses = (what: string) => ({
  200: {
    description: `The ${what}'s bytes, with \`ETag\` and \`Accept-Ranges: bytes\``,
    content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } },
  },
  206: { description: 'The byte range asked for with `Range: bytes=start-end`' },
  304: { description: 'Not modified (`If-None-Match` matched the ETag)' },
  416: { description: 'The range lies outside the file' },
  ...problemResponses(400, 404),
});

/** The request headers a blob route honours, for the OpenAPI document. */
export const BlobHeaders = z.object({
  range: z
    .string()
    .optional()
    .openapi({ description: 'One byte range, e.g. `bytes=0-1023`', example: 'bytes=0-1023' }),
  'if-none-match': z.string().optional().openapi({ description: 'An ETag from an earlier answer' }),
});

/** A variant's name in a path (`webp`, or an enhancement's output name). */
export const VariantParam = z.object({
  name: z
    .string()
    .min(1)
    .openapi({
      param: { name: 'name', in: 'path' },
      example: 'webp',
      description: 'A variant name from `variants`',
    }),
});
