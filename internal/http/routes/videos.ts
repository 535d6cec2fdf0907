// /v1/videos: streamed uploads probed before they are accepted, listings, the bytes (with ranges), the poster
// and other variants, and deletion.
import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '../../errors/errors.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { VideoService } from '../../videos/video-service.ts';
import { ACCEPTED_VIDEO_TYPES } from '../../videos/video-sniff.ts';
import type { App } from '../context.ts';
import { parsedFields, receiveUpload } from '../receive-upload.ts';
import {
  AfterQuery,
  BlobHeaders,
  VariantParam,
  blobResponses,
  UploadMetadataFields,
  Video,
  VideoIdParam,
  VideoPage,
  VideoUploaded,
  VideosQuery,
  jsonContent,
  problemResponses,
} from '../schemas.ts';
import { serveBlob } from '../serve-blob.ts';
import type { UploadSlots } from '../upload-slots.ts';

export function registerVideoRoutes(
  app: App,
  { service, maxUploadBytes }: { service: VideoService; maxUploadBytes: number },
  blobs: BlobStore,
  slots: UploadSlots,
): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/videos',
    summary: 'Upload a video (multipart: file, uploader?, tags?)',
    description:
      `${ACCEPTED_VIDEO_TYPES}, probed with ffprobe before it is accepted. Limits: ${maxUploadBytes} bytes (413); ` +
      'container and codec allow-lists (415); dimensions, pixel rate, duration, frames and streams (413, 422).',
    security: [{ apiKey: [] }],
    request: {
      body: {
        content: {
          'multipart/form-data': {
            schema: z.object({
              file: z.string().openapi({ format: 'binary' }),
              uploader: z.string().optional(),
              tags: z.string().optional().openapi({ description: 'Comma-separated.' }),
            }),
          },
        },
      },
    },
    responses: {
      201: jsonContent(VideoUploaded, 'Stored; the video appears in reads once projected'),
      ...problemResponses(400, 401, 413, 415, 422, 503),
    },
  });
  app.post('/v1/videos', (c) =>
    receiveUpload(c, { maxBytes: maxUploadBytes, slots }, async (parts) => {
      const fields = parsedFields(parts, (raw) => {
        const parsed = UploadMetadataFields.safeParse(raw);
        if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
        return parsed.data;
      });
      const uploaded = await service.upload(parts.file, parts.filename, fields, c.get('caller'));
      const { videoId, blobKey: _blobKey, ...rest } = uploaded;
      c.header('Location', `/v1/videos/${videoId}`);
      return c.json(
        {
          id: videoId,
          ...rest,
          uploader: rest.uploader ?? null,
          fps: rest.frameRate.num / rest.frameRate.den,
          url: `/v1/videos/${videoId}/content`,
        },
        201,
      );
    }),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/videos/{id}',
      summary: 'A video: probed metadata, poster, variants and the URL of its bytes',
      request: { params: VideoIdParam, query: AfterQuery },
      responses: { 200: jsonContent(Video, 'The video'), ...problemResponses(400, 404) },
    }),
    async (c) => c.json((await service.get(c.get('caller'), c.req.valid('param').id)) as never, 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/videos/{id}/content',
    summary: "The video's original bytes (ranges, so players can seek)",
    request: { params: VideoIdParam, headers: BlobHeaders },
    responses: blobResponses('video'),
  });
  app.get('/v1/videos/:id/content', async (c) =>
    serveBlob(c, blobs, await service.content(c.get('caller'), c.req.param('id'))),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/videos/{id}/variants/{name}/content',
    summary: 'The bytes of one variant of a video: its poster, or an enhanced output',
    request: { params: VideoIdParam.extend(VariantParam.shape), headers: BlobHeaders },
    responses: blobResponses('variant'),
  });
  app.get('/v1/videos/:id/variants/:name/content', async (c) => {
    const video = await service.content(c.get('caller'), c.req.param('id'));
    const variant = video.variants.find((v) => v.name === c.req.param('name'));
    if (!variant) throw new NotFoundError('variant', c.req.param('name'));
    return serveBlob(c, blobs, variant);
  });

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/videos/{id}',
      summary: 'Delete a video: it leaves the read model, and its bytes, poster and outputs are removed',
      security: [{ apiKey: [] }],
      request: { params: VideoIdParam },
      responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 404, 503) },
    }),
    async (c) => {
      const { seq } = await service.delete(c.get('caller'), c.req.valid('param').id);
      c.header('Pixelforge-Seq', String(seq));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/videos',
      summary: 'Videos, newest upload first',
      request: { query: VideosQuery },
      responses: { 200: jsonContent(VideoPage, 'A page of videos'), ...problemResponses(400) },
    }),
    async (c) => {
      const { limit, cursor, owner } = c.req.valid('query');
      return c.json(
        (await service.list(c.get('caller'), {
          limit,
          ...(cursor ? { cursor } : {}),
          ...(owner ? { owner } : {}),
        })) as never,
        200,
      );
    },
  );
}
