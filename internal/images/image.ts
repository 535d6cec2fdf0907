// What Pixelforge knows about a stored image and its variants, as carried by events.
import { z } from 'zod';

export const IMAGE_CONTENT_TYPES = [
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
] as const;
export const ImageContentType = z.enum(IMAGE_CONTENT_TYPES);
export type ImageContentType = z.infer<typeof ImageContentType>;

export const Tag = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[^,\p{Cc}]+$/u, 'tags may not contain commas or control characters');
export const Tags = z.array(Tag).max(50);

export const Uploader = z.string().trim().min(1).max(200);

/** A derived rendition of an image: the automatic WebP, or the output of an enhancement job. */
export const Variant = z.object({
  /** Unique per image, e.g. `webp` or `enhanced-<jobId>`. */
  name: z.string().min(1).max(100),
  kind: z.enum(['derivative', 'enhanced']),
  blobKey: z.string().min(1),
  contentType: z.string().min(1),
  size: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  jobId: z.string().optional(),
  model: z.string().optional(),
});
export type Variant = z.infer<typeof Variant>;

/** Where an imported image came from: the document, the field, the URL and what its server said. */
export const ImageOrigin = z.object({
  kind: z.literal('import'),
  importId: z.string().min(1).max(64),
  source: z.string().max(64),
  database: z.string().max(64),
  collection: z.string().max(120),
  documentId: z.string().max(200),
  path: z.string().max(500),
  url: z.string().max(2048),
  finalUrl: z.string().max(2048),
  contentType: z.string().max(200).nullable(),
  etag: z.string().max(500).nullable(),
  lastModified: z.string().max(100).nullable(),
});
export type ImageOrigin = z.infer<typeof ImageOrigin>;

/** The facts of an upload, fixed once the bytes are stored. */
export const UploadedImage = z.object({
  imageId: z.string().min(1),
  groupId: z.string().min(1),
  groupName: z.string().min(1).max(200),
  filename: z.string().max(255),
  contentType: ImageContentType,
  size: z.number().int().nonnegative(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  blobKey: z.string().min(1),
  uploader: Uploader.optional(),
  tags: Tags.default([]),
  /** Set for images an import brought in. */
  origin: ImageOrigin.optional(),
});
export type UploadedImage = z.infer<typeof UploadedImage>;
