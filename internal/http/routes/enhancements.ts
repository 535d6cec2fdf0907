// /v1/enhancements: request an enhancement (202, the controller does the work), read and list jobs from
// the read model, cancel one, and follow one's progress as server-sent events.
import { createRoute, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AnyEvent } from '../../events/catalog.ts';
import { CONTROLLER_SOURCE, type JobView } from '../../jobs/job-view.ts';
import {
  EnhancementRequest,
  endsJob,
  shownIn,
  type EnhancementService,
} from '../../jobs/enhancement-service.ts';
import { JOB_PHASES } from '../../resources/enhancement-job.ts';
import { jobOutputKey } from '../../jobs/worker-contract.ts';
import type { App } from '../context.ts';
import { OwnerFilter, jsonContent, noQuery, problemResponses, queryObject } from '../schemas.ts';

const Enhancement = z
  .object({
    id: z.string(),
    imageId: z.string().nullable(),
    videoId: z.string().nullable(),
    model: z.string().nullable(),
    phase: z.enum(JOB_PHASES),
    progress: z.object({ done: z.number(), total: z.number(), unit: z.string() }).nullable(),
    attempts: z.number().int(),
    cancelRequested: z.boolean(),
    output: z
      .object({
        blobKey: z.string(),
        contentType: z.string(),
        size: z.number(),
        width: z.number(),
        height: z.number(),
      })
      .passthrough()
      .nullable(),
    /** Where the result downloads from, once it exists. */
    outputUrl: z.string().nullable(),
    error: z.object({ code: z.string(), reason: z.string(), retryable: z.boolean() }).nullable(),
    durationMs: z
      .number()
      .nullable()
      .openapi({ description: 'Finished jobs: how long the worker took, in ms', example: 4210 }),
    provider: z
      .string()
      .nullable()
      .openapi({ description: 'Finished jobs: the execution provider the worker ran', example: 'cpu' }),
    device: z.string().nullable().openapi({
      description: 'Finished jobs: what the provider ran on, in words',
      example: 'AMD EPYC 7B13 (2 threads)',
    }),
    createdAt: z.string(),
    scheduledAt: z.string().nullable(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi('Enhancement');

const Accepted = z
  .object({
    id: z.string(),
    phase: z
      .enum(JOB_PHASES)
      .openapi({ description: 'Pending; after a `wait` that ran out, where the job is' }),
    seq: z.number().int(),
    url: z.string(),
    events: z.string(),
  })
  .openapi('EnhancementAccepted');

const IdParam = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be an enhancement id')
    .max(63)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** The longest `?wait=` of POST /v1/enhancements, in seconds: a bound on how long a request holds its connection. */
export const MAX_WAIT_SECONDS = 120;

const WaitQuery = queryObject({
  wait: z.coerce
    .number()
    .int()
    .min(0)
    .max(MAX_WAIT_SECONDS)
    .optional()
    .openapi({
      description: `Seconds (up to ${MAX_WAIT_SECONDS}) to wait for the job to end: 200 with the finished job when it does, else the usual 202`,
      example: 30,
    }),
});

const ListQuery = queryObject({
  owner: OwnerFilter,
  phase: z.enum(JOB_PHASES).optional(),
  imageId: z.string().max(64).optional(),
  videoId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(512).optional(),
});

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The JSON shape of a job. */
export function enhancementJson(view: JobView) {
  return {
    id: view.id,
    imageId: view.imageId,
    videoId: view.videoId ?? null,
    model: view.model,
    phase: view.phase,
    progress: view.progress,
    attempts: view.attempts,
    cancelRequested: view.cancelRequested,
    output: view.output,
    outputUrl: !view.output
      ? null
      : view.videoId
        ? `/v1/videos/${view.videoId}/variants/${encodeURIComponent(jobOutputKey(view.id))}/content`
        : view.imageId
          ? `/v1/images/${view.imageId}/variants/${encodeURIComponent(jobOutputKey(view.id))}/content`
          : null,
    error: view.error,
    durationMs: view.run?.durationMs ?? null,
    provider: view.run?.provider ?? null,
    device: view.run?.device ?? null,
    createdAt: iso(view.createdAt)!,
    scheduledAt: iso(view.scheduledAt),
    startedAt: iso(view.startedAt),
    completedAt: iso(view.completedAt),
    updatedAt: iso(view.updatedAt)!,
  };
}

/** Registers the routes; `heartbeatMs` keeps idle SSE connections open through proxies. */
export function registerEnhancementRoutes(app: App, service: EnhancementService, heartbeatMs = 15_000): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/enhancements',
      summary: 'Request an enhancement of an image (the controller runs it; follow it at the returned URL)',
      description:
        'Send `Idempotency-Key` to make a retried request name the same job. External systems may publish `pf.enhancement.requested` on NATS instead.',
      security: [{ apiKey: [] }],
      request: {
        query: WaitQuery,
        body: {
          required: true,
          content: {
            'application/json': {
              schema: EnhancementRequest,
              examples: {
                native: {
                  summary: 'A native scale, as PNG',
                  value: {
                    imageId: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7',
                    model: 'auto',
                    scale: 4,
                    output: { format: 'png' },
                  },
                },
                size: {
                  summary: 'An absolute size: a 1920×1080 box, filled and centre-cropped',
                  value: {
                    imageId: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7',
                    model: 'photo',
                    size: { width: 1920, height: 1080, fit: 'cover' },
                  },
                },
                video: {
                  summary: 'A video ×2 into MP4',
                  value: {
                    videoId: '01JCZ3Q4Y8N7X5V2W1T0S9R8P7',
                    model: 'video',
                    scale: 2,
                    video: { container: 'mp4' },
                  },
                },
              },
            },
          },
        },
      },
      responses: {
        200: jsonContent(
          Enhancement,
          'Finished within `wait`: the job as GET /v1/enhancements/{id} shows it',
        ),
        202: jsonContent(Accepted, 'Accepted'),
        ...problemResponses(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const key = c.req.header('idempotency-key')?.slice(0, 200);
      const { wait } = c.req.valid('query');
      const { id, seq } = await service.request(c.get('caller'), c.req.valid('json'), key);
      const url = `/v1/enhancements/${id}`;
      c.header('Location', url);
      let phase: JobView['phase'] = 'Pending';
      if (wait) {
        const ended = await service.awaitEnd(id, wait * 1000, c.req.raw.signal);
        if (ended) return c.json(enhancementJson(ended), 200);
        phase = (await service.get(c.get('caller'), id).catch(() => undefined))?.phase ?? phase;
      }
      return c.json({ id, phase, seq, url, events: `${url}/events` }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/enhancements',
      summary: 'Enhancement jobs, newest first, optionally by phase or image',
      request: { query: ListQuery },
      responses: {
        200: jsonContent(z.object({ items: z.array(Enhancement), next: z.string().nullable() }), 'A page'),
        ...problemResponses(400),
      },
    }),
    async (c) => {
      const { phase, imageId, videoId, owner, limit, cursor } = c.req.valid('query');
      const page = await service.list(c.get('caller'), {
        limit,
        ...(owner ? { owner } : {}),
        ...(phase ? { phase } : {}),
        ...(imageId ? { imageId } : {}),
        ...(videoId ? { videoId } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json({ items: page.items.map(enhancementJson), next: page.next }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/enhancements/{id}',
      summary: 'One enhancement job: phase, progress, attempts, output or error',
      request: { params: IdParam },
      responses: { 200: jsonContent(Enhancement, 'The job'), ...problemResponses(400, 404) },
    }),
    async (c) => c.json(enhancementJson(await service.get(c.get('caller'), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/enhancements/{id}',
      summary: 'Cancel an enhancement job (the controller stops its worker)',
      security: [{ apiKey: [] }],
      request: { params: IdParam },
      responses: {
        202: jsonContent(z.object({ id: z.string(), seq: z.number().int() }), 'Cancellation requested'),
        ...problemResponses(400, 401, 404, 409),
      },
    }),
    async (c) => c.json(await service.cancel(c.get('caller'), c.req.valid('param').id), 202),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/enhancements/{id}/events',
    summary: "A job's progress as it happens (Server-Sent Events)",
    description:
      'First a `snapshot` event (the job as `GET /v1/enhancements/{id}` shows it), then each lifecycle event ' +
      '(`pf.job.started`, `pf.job.progress`, `pf.job.succeeded`, …; data as in `/v1/event-schemas`) in order; ' +
      'a `: keep-alive` comment when quiet. The stream ends after the event that ends the job.',
    request: { params: IdParam },
    responses: {
      200: {
        description: 'An event stream',
        content: {
          'text/event-stream': {
            schema: z.string().openapi({
              example:
                'event: snapshot\ndata: {"id":"cat-x4","phase":"Running",…}\n\nevent: pf.job.progress\n…',
            }),
          },
        },
      },
      ...problemResponses(400, 404),
    },
  });
  app.get('/v1/enhancements/:id/events', noQuery, async (c) => {
    const id = IdParam.parse({ id: c.req.param('id') }).id;
    const queue: AnyEvent[] = [];
    let wake: () => void = () => {};
    const { snapshot, unsubscribe } = await service.follow(c.get('caller'), id, (event) => {
      queue.push(event);
      wake();
    });
    return streamSSE(c, async function streamJobEvents(stream) {
      stream.onAbort(() => {
        unsubscribe();
        wake();
      });
      try {
        await stream.writeSSE({ event: 'snapshot', data: JSON.stringify(enhancementJson(snapshot)) });
        let done = ['Succeeded', 'Failed', 'Cancelled'].includes(snapshot.phase);
        let catchingUp = true;
        while (!done && !stream.aborted) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, heartbeatMs).unref();
            });
            if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
            continue;
          }
          const event = queue.shift()!;
          // Only the first events can predate the snapshot; after one that does not, all are news.
          if (catchingUp && shownIn(snapshot, event)) continue;
          catchingUp = false;
          await stream.writeSSE({ id: event.id, event: event.type, data: JSON.stringify(event.data) });
          done = endsJob(event, CONTROLLER_SOURCE);
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
