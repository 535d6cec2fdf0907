// Every event type Pixelforge publishes or accepts, one zod schema each: the single source of their types.
import { z } from 'zod';
import { envelopeFields } from './envelope.ts';
import { ImageStatus } from '../images/status.ts';
import { Tags, Uploader, UploadedImage, Variant } from '../images/image.ts';
import { EnhancementSpec } from '../jobs/spec.ts';
import { UploadedVideo, VideoVariant } from '../videos/video.ts';
import { ImportItemDone, ImportRequest } from '../imports/import.ts';

/** Where an event of each family is stored. The subject of an event is its type. */
export const STREAMS = {
  // Images, groups and videos: the media log that the read models are folded from.
  images: { name: 'PF_IMAGES', subjects: ['pf.image.>', 'pf.group.>', 'pf.video.>'] },
  jobs: { name: 'PF_JOBS', subjects: ['pf.enhancement.>', 'pf.job.>'] },
  imports: { name: 'PF_IMPORTS', subjects: ['pf.import.>'] },
  deadLetters: { name: 'PF_DEAD_LETTERS', subjects: ['pfdlq.>'] },
} as const;

/** What a finished job stored: the blob and its facts. */
export /** Where a job's output is: the same facts as a variant's bytes. */
const JobOutput = Variant.pick({
  blobKey: true,
  contentType: true,
  size: true,
  width: true,
  height: true,
  sha256: true,
});

const dataSchemas = {
  'pf.group.created': z.object({ groupId: z.string().min(1), name: z.string().trim().min(1).max(200) }),
  'pf.image.uploaded': UploadedImage,
  'pf.image.status_changed': z.object({ imageId: z.string().min(1), status: ImageStatus }),
  'pf.image.metadata_updated': z.object({
    imageId: z.string().min(1),
    uploader: Uploader.optional(),
    tags: Tags.optional(),
  }),
  'pf.image.deleted': z.object({ imageId: z.string().min(1), blobKeys: z.array(z.string()).default([]) }),
  'pf.image.variant_added': z.object({ imageId: z.string().min(1), variant: Variant }),
  'pf.video.uploaded': UploadedVideo,
  'pf.video.variant_added': z.object({ videoId: z.string().min(1), variant: VideoVariant }),
  'pf.video.deleted': z.object({ videoId: z.string().min(1), blobKeys: z.array(z.string()).default([]) }),
  'pf.enhancement.requested': z.object({ jobId: z.string().min(1).max(63), spec: EnhancementSpec }),
  'pf.enhancement.cancel_requested': z.object({
    jobId: z.string().min(1).max(63),
    reason: z.string().max(2000).optional(),
  }),
  'pf.job.scheduled': z.object({
    jobId: z.string().min(1),
    attempt: z.number().int().positive(),
    /** The job's spec: lets the jobs read model show jobs created with kubectl, which have no request event. */
    spec: EnhancementSpec.optional(),
    /** The Job (or local process) running this attempt. */
    workload: z.string().optional(),
  }),
  /** The controller saw the attempt's workload start running (before the worker's first progress). */
  'pf.job.started': z.object({
    jobId: z.string().min(1),
    attempt: z.number().int().positive(),
    workload: z.string().optional(),
  }),
  'pf.job.progress': z.object({
    jobId: z.string().min(1),
    done: z.number().int().nonnegative(),
    total: z.number().int().positive(),
    unit: z.enum(['tiles', 'frames', 'bytes']),
  }),
  'pf.job.succeeded': z.object({
    jobId: z.string().min(1),
    imageId: z.string().optional(),
    videoId: z.string().optional(),
    output: JobOutput,
    model: z.string().optional(),
    durationMs: z.number().nonnegative(),
    provider: z.string().optional(),
    /** What the provider ran on, in words: the CPU model, or the GPU and node. */
    device: z.string().max(200).optional(),
    /** Video jobs: frames, what this attempt transformed and reused, and the share of time in inference. */
    video: z
      .object({
        frames: z.number().int().nonnegative(),
        transformed: z.number().int().nonnegative(),
        segments: z.number().int().nonnegative(),
        reusedSegments: z.number().int().nonnegative(),
        inferenceShare: z.number().min(0).max(1),
        notes: z.array(z.string().max(500)).max(20).default([]),
      })
      .optional(),
  }),
  'pf.job.failed': z.object({
    jobId: z.string().min(1),
    code: z.string().min(1),
    reason: z.string().min(1).max(2000),
    retryable: z.boolean(),
  }),
  'pf.job.cancelled': z.object({ jobId: z.string().min(1), reason: z.string().max(2000).optional() }),
  'pf.import.requested': z.object({ importId: z.string().min(1).max(64), request: ImportRequest }),
  /** The documents were read: how many, and how many distinct URLs they hold. */
  'pf.import.started': z.object({
    importId: z.string().min(1).max(64),
    documents: z.number().int().nonnegative(),
    found: z.number().int().nonnegative(),
  }),
  'pf.import.item_done': ImportItemDone,
  'pf.import.completed': z.object({
    importId: z.string().min(1).max(64),
    downloaded: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
  }),
  /** The import could not run at all (an unknown source, a database that refused the query). */
  'pf.import.failed': z.object({ importId: z.string().min(1).max(64), reason: z.string().min(1).max(2000) }),
  'pf.import.cancel_requested': z.object({ importId: z.string().min(1).max(64) }),
  'pf.import.cancelled': z.object({ importId: z.string().min(1).max(64) }),
} as const;

type DataSchemas = typeof dataSchemas;
export type EventType = keyof DataSchemas;
export const EVENT_TYPES = Object.keys(dataSchemas) as EventType[];

function eventSchema<T extends EventType>(type: T) {
  return z.object({ ...envelopeFields, type: z.literal(type), data: dataSchemas[type] as DataSchemas[T] });
}

/** Every event, discriminated by `type`. Parse untrusted input with `PixelforgeEvent.safeParse`. */
export const PixelforgeEvent = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((type) => eventSchema(type)) as unknown as [
    ReturnType<typeof eventSchema<'pf.group.created'>>,
    ...ReturnType<typeof eventSchema<EventType>>[],
  ],
) as unknown as z.ZodType<AnyEvent>;

/** The event of type `T`, fully parsed (defaults applied). */
export type EventOf<T extends EventType> = Omit<
  z.output<ReturnType<typeof eventSchema<T>>>,
  'data' | 'type'
> & {
  type: T;
  data: z.output<DataSchemas[T]>;
};
export type AnyEvent = { [T in EventType]: EventOf<T> }[EventType];
/** The data an event of type `T` carries, as a publisher writes it (defaults may be omitted). */
export type EventData<T extends EventType> = z.input<DataSchemas[T]>;

/**
 * The JSON Schema of every event as a publisher writes it (defaults may be omitted), keyed by type: what
 * systems outside Pixelforge validate against before publishing onto NATS.
 */
export function eventJsonSchemas(): Record<EventType, unknown> {
  return Object.fromEntries(
    EVENT_TYPES.map((type) => [
      type,
      z.toJSONSchema(eventSchema(type), { io: 'input', unrepresentable: 'any' }),
    ]),
  ) as Record<EventType, unknown>;
}

/** The stream that stores events of this type. */
export function streamOf(type: EventType): (typeof STREAMS)[keyof typeof STREAMS] {
  if (type.startsWith('pf.image.') || type.startsWith('pf.group.') || type.startsWith('pf.video.'))
    return STREAMS.images;
  if (type.startsWith('pf.import.')) return STREAMS.imports;
  return STREAMS.jobs;
}
