// The enhancement use cases behind /v1/enhancements: request (an event the controller turns into an
// EnhancementJob), read the jobs read model, cancel, and follow a job's events live.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AnyEvent } from '../events/catalog.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors/errors.ts';
import { newId } from '../ids/ids.ts';
import { canSee, listOwner, requireChange, requireCreate, type Principal } from '../auth/principal.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import { CONTROLLER_SOURCE, type JobView, type JobViewPhase } from './job-view.ts';
import { EnhancementSpec, OutputOptions, TileOptions, VideoOutputOptions } from './spec.ts';

/** The body of POST /v1/enhancements: an image or a video, and how to enhance it. */
export const EnhancementRequest = z
  .object({
    imageId: z.string().min(1).max(64).optional(),
    videoId: z.string().min(1).max(64).optional(),
    model: z.string().min(1).max(100),
    scale: EnhancementSpec.shape.scale,
    outscale: EnhancementSpec.shape.outscale,
    size: EnhancementSpec.shape.size,
    tile: TileOptions.optional(),
    output: OutputOptions.partial().optional(),
    video: VideoOutputOptions.partial().optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
  })
  .strict()
  .refine((r) => (r.imageId === undefined) !== (r.videoId === undefined), {
    message: 'give exactly one of imageId and videoId',
  });
export type EnhancementRequest = z.infer<typeof EnhancementRequest>;

/** Reads of the jobs read model. */
export interface JobReads {
  get(id: string): Promise<JobView | null>;
  list(query: {
    /** Only the jobs this actor requested. */
    requestedBy?: string;
    phase?: JobViewPhase;
    imageId?: string;
    videoId?: string;
    limit: number;
    cursor?: string;
  }): Promise<{
    items: JobView[];
    next: string | null;
  }>;
}

/** Live job events, for server-sent progress. */
export interface JobEventFeed {
  /** Calls `onEvent` for each event about `jobId` until the returned function is called. */
  /**
   * Calls `onEvent` for each event about `jobId` until the returned function is called. Resolves once the
   * subscription is in place on the server, so that an event published after it resolves is never missed.
   */
  subscribe(jobId: string, onEvent: (event: AnyEvent) => void): Promise<() => void>;
  /** The stored events about `jobId` from stream sequence `fromSeq` to the stream's end, in order. */
  since(jobId: string, fromSeq: number): Promise<AnyEvent[]>;
}

export interface EnhancementServiceDeps {
  events: EventPublisher;
  reads: JobReads;
  feed: JobEventFeed;
  /** The image's owner (`owner: null` for images projected before owners); undefined for an unknown image. */
  imageOwner(imageId: string): Promise<{ owner?: string | null } | undefined>;
  videoOwner(videoId: string): Promise<{ owner?: string | null } | undefined>;
  /** Throws a ValidationError naming the installed models or the model's scales when the pair cannot run. */
  checkModel?(model: string, scale: number | undefined): Promise<void>;
  /** Read-your-writes: waits until the jobs read model has applied everything published so far. */
  caughtUp(timeoutMs: number): Promise<boolean>;
  readWaitMs: number;
}

/** A job id is a resource name: a ULID in lower case, or one derived from the client's idempotency key. */
function jobIdFor(actor: string, idempotencyKey?: string): string {
  if (!idempotencyKey) return newId().toLowerCase();
  return `r${createHash('sha256').update(`${actor}\n${idempotencyKey}`).digest('hex').slice(0, 25)}`;
}

const TERMINAL = new Set<JobViewPhase>(['Succeeded', 'Failed', 'Cancelled']);

export function createEnhancementService(deps: EnhancementServiceDeps) {
  const { events, reads } = deps;

  const find = async (id: string): Promise<JobView> => {
    const found =
      (await reads.get(id)) ?? ((await deps.caughtUp(deps.readWaitMs)) ? await reads.get(id) : null);
    if (!found) throw new NotFoundError('enhancement', id);
    return found;
  };
  /** A job is its requester's: they, reviewers and admins see it (everyone, with public reads). */
  const get = async (caller: Principal, id: string): Promise<JobView> => {
    const job = await find(id);
    if (!canSee(caller, job.requestedBy)) throw new NotFoundError('enhancement', id);
    return job;
  };

  return {
    /**
     * Publishes the request; the controller creates EnhancementJob `id` from it. A caller enhances what they
     * may change: their own images and videos (admins: any).
     */
    async request(caller: Principal, input: EnhancementRequest, idempotencyKey?: string) {
      requireCreate(caller, 'jobs:write');
      const actor = caller.actor;
      const { imageId, videoId, output, video, ...rest } = input;
      if (video && !videoId) throw new ValidationError('video options apply to a videoId source only');
      if (videoId && (rest.outscale !== undefined || rest.size !== undefined))
        throw new ValidationError(
          'outscale and size are not supported for videos yet; choose the model scale',
        );
      if (rest.outscale !== undefined && rest.size !== undefined)
        throw new ValidationError('give outscale or size, not both: they both set the final size');
      const spec = EnhancementSpec.safeParse({
        source: videoId ? { videoId } : { imageId },
        ...rest,
        ...(output ? { output } : {}),
        ...(videoId ? { video: video ?? {} } : {}),
      });
      if (!spec.success) throw new ValidationError(spec.error.issues[0]!.message, spec.error.issues);
      await deps.checkModel?.(spec.data.model, spec.data.scale);
      const [what, sourceId] = imageId ? ['image', imageId] : ['video', videoId!];
      const source = await (imageId ? deps.imageOwner(imageId) : deps.videoOwner(videoId!));
      if (!source) throw new NotFoundError(what, sourceId);
      requireChange(caller, source.owner, 'jobs:write', what, sourceId);
      const id = jobIdFor(actor, idempotencyKey);
      const receipt = await events.publish(
        'pf.enhancement.requested',
        id,
        { jobId: id, spec: spec.data },
        { actor, id: `${id}-requested` },
      );
      return { id, seq: receipt.seq, duplicate: receipt.duplicate };
    },
    get,
    /** The jobs the caller may see (`owner: 'me'`: only theirs), newest first. */
    list(
      caller: Principal,
      query: Omit<Parameters<JobReads['list']>[0], 'requestedBy'> & { owner?: string },
    ) {
      const { owner, ...rest } = query;
      const requestedBy = listOwner(caller, owner);
      return reads.list({ ...rest, ...(requestedBy !== undefined ? { requestedBy } : {}) });
    },
    /** Asks the controller to stop the job; 409 when it already finished. */
    async cancel(caller: Principal, id: string) {
      const job = await get(caller, id);
      requireChange(caller, job.requestedBy, 'jobs:write', 'enhancement', id);
      const actor = caller.actor;
      if (TERMINAL.has(job.phase))
        throw new ConflictError(`enhancement ${id} already ${job.phase.toLowerCase()}`);
      const receipt = await events.publish(
        'pf.enhancement.cancel_requested',
        id,
        { jobId: id, reason: `cancelled by ${actor}` },
        { actor, id: `${id}-cancel-requested` },
      );
      return { id, seq: receipt.seq };
    },
    /**
     * The job once it has ended, or undefined when it has not within `timeoutMs` (or `signal` aborts): what a
     * request with `?wait=` answers. Subscribes first, so an end between two reads wakes it at once; after an
     * end event it reads again until the read model shows it.
     */
    async awaitEnd(id: string, timeoutMs: number, signal?: AbortSignal): Promise<JobView | undefined> {
      let wake: () => void = () => {};
      let ended = false;
      const unsubscribe = await deps.feed.subscribe(id, (event) => {
        if (endsJob(event, CONTROLLER_SOURCE) || event.type === 'pf.job.cancelled') ended = true;
        wake();
      });
      const abort = () => wake();
      signal?.addEventListener('abort', abort);
      try {
        const deadline = Date.now() + timeoutMs;
        while (!signal?.aborted) {
          const view = await find(id).catch((err: unknown) => {
            if (err instanceof NotFoundError) return undefined;
            throw err;
          });
          if (view && TERMINAL.has(view.phase)) return view;
          const left = deadline - Date.now();
          if (left <= 0) return undefined;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(ended ? 50 : 1000, left)).unref();
          });
        }
        return undefined;
      } finally {
        signal?.removeEventListener('abort', abort);
        unsubscribe();
      }
    },
    /**
     * The job's snapshot, then every later event in order. The read model may lag the stream: events published
     * before the subscription but not yet in the snapshot are read back from the stream (after the snapshot's
     * sequence), and live ones that arrive meanwhile wait behind them, once each.
     */
    async follow(caller: Principal, id: string, onEvent: (event: AnyEvent) => void) {
      await get(caller, id);
      let waiting: AnyEvent[] | null = [];
      const unsubscribe = await deps.feed.subscribe(id, (event) =>
        waiting ? waiting.push(event) : onEvent(event),
      );
      try {
        const snapshot = await find(id);
        const missed = await deps.feed.since(id, snapshot.lastSeq + 1);
        const sent = new Set(missed.map((e) => e.id));
        const live: AnyEvent[] = waiting;
        waiting = null;
        for (const event of missed) onEvent(event);
        for (const event of live) if (!sent.has(event.id)) onEvent(event);
        return { snapshot, unsubscribe };
      } catch (err) {
        unsubscribe();
        throw err;
      }
    },
  };
}

export type EnhancementService = ReturnType<typeof createEnhancementService>;

/**
 * True when `snapshot` already shows what `event` says. The stream subscribes before it reads the snapshot,
 * so its first events may be ones the snapshot includes; sending them would move the phase back.
 */
export function shownIn(snapshot: JobView, event: AnyEvent): boolean {
  switch (event.type) {
    case 'pf.job.scheduled':
      return event.data.attempt <= snapshot.attempts;
    case 'pf.job.started':
      return (
        event.data.attempt < snapshot.attempts ||
        (event.data.attempt === snapshot.attempts && snapshot.phase !== 'Scheduled')
      );
    case 'pf.job.progress':
      return snapshot.phase === 'Running' && event.data.done <= (snapshot.progress?.done ?? -1);
    case 'pf.enhancement.requested':
      return true;
    default:
      return false;
  }
}

/** True when the event ends the job (what the SSE stream closes on). */
export function endsJob(event: AnyEvent, controllerSource: string): boolean {
  if (event.type === 'pf.job.succeeded') return true;
  if (event.type === 'pf.job.failed') return !event.data.retryable;
  return event.type === 'pf.job.cancelled' && event.source === controllerSource;
}
