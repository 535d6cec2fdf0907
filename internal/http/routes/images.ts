// /v1/images: streamed uploads, metadata, review status, deletion, listings and the bytes themselves.
import { createRoute, z } from '@hono/zod-openapi';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import { NotFoundError, PayloadTooLargeError, ValidationError } from '../../errors/errors.ts';
import { groupIdForName, isId } from '../../ids/ids.ts';
import { Tags, Uploader } from '../../images/image.ts';
import { IMAGE_STATUSES } from '../../images/status.ts';
import { parsedFields, readJsonBody, receiveUpload } from '../receive-upload.ts';
import type { UploadSlots } from '../upload-slots.ts';
import { groupNamespace, listOwner } from '../../auth/principal.ts';
import { serveBlob } from '../serve-blob.ts';
import type { App, AppDeps, AppEnv } from '../context.ts';
import {
  AfterQuery,
  BlobHeaders,
  VariantParam,
  blobResponses,
  Image,
  ImageIdParam,
  ImagePage,
  ImagesQuery,
  MetadataBody,
  Uploaded,
  UploadMetadataFields,
  Written,
  jsonContent,
  problemResponses,
} from '../schemas.ts';

const UploadFields = UploadMetadataFields.extend({
  group: z
    .string({ error: 'group is required (an id, or a name to create)' })
    .trim()
    .min(1, 'group is required (an id, or a name to create)')
    .max(200),
});

/** The JSON upload, for clients that cannot send multipart: the file as base64 (or a base64 data: URL). */
const Base64Upload = z
  .object({
    group: UploadFields.shape.group,
    filename: z.string().trim().min(1).max(255).default('upload'),
    data: z
      .string({ error: 'data is required: the file, base64-encoded' })
      .min(1, 'data is required: the file, base64-encoded')
      .transform((d) => d.replace(/^data:[-\w.+/]*;base64,/, '').replace(/\s+/g, ''))
      .refine((d) => /^[A-Za-z0-9+/]*={0,2}$/.test(d) && d.length % 4 === 0, 'data is not valid base64'),
    uploader: Uploader.optional(),
    tags: Tags.default([]),
  })
  .strict();

const StatusChange = z.object({
  status: z.enum(IMAGE_STATUSES, { error: `status must be one of ${IMAGE_STATUSES.join(', ')}` }),
});

export function registerImageRoutes(app: App, deps: AppDeps, uploadSlots: UploadSlots): void {
  const { images, queries, blobs, maxUploadBytes } = deps;

  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/images',
    summary: 'Upload an image (multipart: file, group, uploader?, tags?; or JSON with the file in base64)',
    description:
      `The type is taken from the bytes. Limits: ${maxUploadBytes} bytes (413), the pixel limit (422). ` +
      'Clients that cannot send multipart send `application/json` with `data` (base64, or a base64 `data:` URL): ' +
      'the same limits and checks apply to the decoded bytes.',
    security: [{ apiKey: [] }],
    request: {
      body: {
        content: {
          'multipart/form-data': {
            schema: z.object({
              file: z.string().openapi({ format: 'binary' }),
              group: z.string().openapi({ description: 'A group id, or a name (created when new).' }),
              uploader: z.string().optional(),
              tags: z.string().optional().openapi({ description: 'Comma-separated.' }),
            }),
          },
          'application/json': {
            schema: Base64Upload.openapi({
              example: { group: 'Holiday', filename: 'beach.png', data: 'iVBORw0KGgo…', tags: ['beach'] },
            }),
          },
        },
      },
    },
    responses: {
      201: jsonContent(Uploaded, 'Stored; the image appears in reads once projected'),
      ...problemResponses(400, 401, 404, 413, 415, 422, 503),
    },
  });
  const created = (c: Context<AppEnv>, uploaded: Awaited<ReturnType<typeof images.upload>>) => {
    c.header('Location', `/v1/images/${uploaded.imageId}`);
    const { imageId, groupId, blobKey: _blobKey, ...rest } = uploaded;
    return c.json(
      {
        id: imageId,
        group: groupId,
        ...rest,
        uploader: rest.uploader ?? null,
        origin: rest.origin ?? null,
        url: `/v1/images/${imageId}/content`,
      },
      201,
    );
  };
  app.post('/v1/images', async (c) => {
    if (/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
      const release = await uploadSlots.acquire();
      try {
        // Base64 is 4 bytes for 3: the body may be a third larger than the file, plus the other fields.
        const raw = await readJsonBody(c, Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024, maxUploadBytes);
        const parsed = Base64Upload.safeParse(raw);
        if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
        const { data, filename, ...fields } = parsed.data;
        const bytes = Buffer.from(data, 'base64');
        if (bytes.byteLength > maxUploadBytes) throw new PayloadTooLargeError(maxUploadBytes);
        return created(
          c,
          await images.upload(Readable.from([bytes]), filename, Promise.resolve(fields), c.get('caller')),
        );
      } finally {
        release();
      }
    }
    return receiveUpload(c, { maxBytes: maxUploadBytes, slots: uploadSlots }, async (parts) => {
      const fields = parsedFields(parts, (raw) => {
        const parsed = UploadFields.safeParse(raw);
        if (!parsed.success) throw new ValidationError(parsed.error.issues[0]!.message, parsed.error.issues);
        return parsed.data;
      });
      return created(c, await images.upload(parts.file, parts.filename, fields, c.get('caller')));
    });
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/images/{id}',
      summary: 'An image: metadata, status, variants and the URL of its bytes',
      request: { params: ImageIdParam, query: AfterQuery },
      responses: { 200: jsonContent(Image, 'The image'), ...problemResponses(400, 404) },
    }),
    async (c) => c.json((await images.get(c.get('caller'), c.req.valid('param').id)) as never, 200),
  );

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/images/{id}/content',
    summary: "The image's original bytes (ranges and conditional requests)",
    request: { params: ImageIdParam, headers: BlobHeaders },
    responses: blobResponses('image'),
  });
  app.get('/v1/images/:id/content', async (c) => {
    return serveBlob(c, blobs, await images.content(c.get('caller'), c.req.param('id')));
  });

  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/images/{id}/variants/{name}/content',
    summary: 'The bytes of one variant: the WebP rendition, or an enhanced output',
    request: { params: ImageIdParam.extend(VariantParam.shape), headers: BlobHeaders },
    responses: blobResponses('variant'),
  });
  app.get('/v1/images/:id/variants/:name/content', async (c) => {
    const image = await images.content(c.get('caller'), c.req.param('id'));
    const variant = image.variants.find((v) => v.name === c.req.param('name'));
    if (!variant) throw new NotFoundError('variant', c.req.param('name'));
    return serveBlob(c, blobs, variant);
  });

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/images/{id}',
      summary: 'Change the uploader or tags of an image',
      security: [{ apiKey: [] }],
      request: {
        params: ImageIdParam,
        body: { required: true, content: { 'application/json': { schema: MetadataBody } } },
      },
      responses: { 200: jsonContent(Written, 'Accepted'), ...problemResponses(400, 401, 404, 503) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const written = await images.updateMetadata(c.get('caller'), id, c.req.valid('json'));
      return c.json({ id, ...written }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/images/{id}/status',
      summary: `Move an image through the review workflow (${IMAGE_STATUSES.join(', ')})`,
      security: [{ apiKey: [] }],
      request: {
        params: ImageIdParam,
        body: { required: true, content: { 'application/json': { schema: StatusChange } } },
      },
      responses: {
        200: jsonContent(Written.extend({ status: z.enum(IMAGE_STATUSES) }), 'Accepted'),
        ...problemResponses(400, 401, 404, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { status } = c.req.valid('json');
      const written = await images.setStatus(c.get('caller'), id, status);
      return c.json({ id, status, ...written }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/images/{id}',
      summary: 'Delete an image: it leaves every read model and its bytes are removed',
      security: [{ apiKey: [] }],
      request: { params: ImageIdParam },
      responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 404, 503) },
    }),
    async (c) => {
      const { seq } = await images.delete(c.get('caller'), c.req.valid('param').id);
      c.header('Pixelforge-Seq', String(seq));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/images',
      summary: 'Images, newest upload first',
      request: { query: ImagesQuery },
      responses: { 200: jsonContent(ImagePage, 'A page of images'), ...problemResponses(400) },
    }),
    async (c) => {
      const { group, status, owner, limit, cursor } = c.req.valid('query');
      const caller = c.get('caller');
      const ownerFilter = listOwner(caller, owner);
      const page = await queries.images({
        limit,
        ...(ownerFilter !== undefined ? { owner: ownerFilter } : {}),
        ...(group ? { group: isId(group) ? group : groupIdForName(group, groupNamespace(caller)) } : {}),
        ...(status ? { status } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json(page as never, 200);
    },
  );
}
