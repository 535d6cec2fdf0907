// The image service: uploads, groups, metadata, review status and deletion, as events. It validates,
// stores bytes and publishes; it never writes read models (the projector does).
import { catchUpLookup } from './catch-up.ts';
import type { Readable } from 'node:stream';
import { groupIdForName, isId, newId } from '../ids/ids.ts';
import { NotFoundError, ConflictError, ValidationError } from '../errors/errors.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import type { UploadedImage } from './image.ts';
import type { ImageStatus } from './status.ts';
import { inspectUpload, type UploadLimits } from './upload-inspector.ts';
import type { ImageContent, ImageReadSide, ImageView, ProjectionProgress } from './views.ts';

export interface ImageServiceDeps {
  events: EventPublisher;
  blobs: BlobStore;
  read: ImageReadSide;
  progress: ProjectionProgress;
  limits: UploadLimits;
  /** How long a lookup of an unknown id waits for the projector to catch up (default 2000 ms). */
  catchUpMs?: number;
}

/** The fields of an upload besides the file; they may arrive after the file in a multipart body. */
export interface UploadFields {
  /** A group id, or a group name (created when new). */
  group: string;
  uploader?: string | undefined;
  tags?: string[] | undefined;
}

export interface Written {
  seq: number;
}

export function createImageService({
  events,
  blobs,
  read,
  progress,
  limits,
  catchUpMs = 2000,
}: ImageServiceDeps) {
  const withCatchUp = catchUpLookup(progress, catchUpMs);

  const requireImage = async (id: string): Promise<ImageView> => {
    if (!isId(id)) throw new ValidationError(`${JSON.stringify(id)} is not an image id`);
    const image = await withCatchUp(() => read.image(id));
    if (!image) throw new NotFoundError('image', id);
    return image;
  };

  const resolveGroup = async (group: string, actor: string) => {
    if (isId(group)) {
      const found = await withCatchUp(() => read.group(group));
      if (!found) throw new NotFoundError('group', group);
      return { groupId: found.id, groupName: found.name };
    }
    const name = group.trim();
    const groupId = groupIdForName(name);
    const found = await read.group(groupId);
    if (found) return { groupId, groupName: found.name };
    // A fixed event id: concurrent first uploads to a new group publish one creation between them.
    await events.publish(
      'pf.group.created',
      groupId,
      { groupId, name },
      { actor, id: `group-created-${groupId}` },
    );
    return { groupId, groupName: name };
  };

  return {
    async createGroup(name: string, actor: string) {
      const groupId = groupIdForName(name);
      const existing = await read.group(groupId);
      if (existing)
        throw new ConflictError(`a group named ${JSON.stringify(existing.name)} exists`, { id: groupId });
      const createdAt = new Date();
      const receipt = await events.publish(
        'pf.group.created',
        groupId,
        { groupId, name: name.trim() },
        { actor, id: `group-created-${groupId}`, time: createdAt },
      );
      if (receipt.duplicate)
        throw new ConflictError(`a group named ${JSON.stringify(name.trim())} exists`, { id: groupId });
      return { id: groupId, name: name.trim(), createdAt, seq: receipt.seq };
    },

    /**
     * Streams `file` into the blob store through the inspector, then publishes `pf.image.uploaded`.
     * Any failure (bad bytes, bad fields, unknown group, NATS down) removes the stored bytes.
     */
    async upload(file: Readable, filename: string, fields: Promise<UploadFields>, actor: string) {
      const imageId = newId();
      const inspector = inspectUpload(limits);
      file.once('error', (err) => inspector.stream.destroy(err));
      file.pipe(inspector.stream);
      const stored = await blobs.put(inspector.stream, {
        key: imageId,
        contentType: 'application/octet-stream',
        metadata: { imageId },
      });
      try {
        const image = await inspector.result;
        const { group, uploader, tags } = await fields;
        const { groupId, groupName } = await resolveGroup(group, actor);
        const data: UploadedImage = {
          imageId,
          groupId,
          groupName,
          filename: filename.slice(0, 255),
          contentType: image.contentType,
          size: stored.size,
          width: image.width,
          height: image.height,
          sha256: stored.sha256,
          blobKey: stored.key,
          ...(uploader ? { uploader } : {}),
          tags: tags ?? [],
        };
        const createdAt = new Date();
        const receipt = await events.publish('pf.image.uploaded', imageId, data, { actor, time: createdAt });
        return { ...data, status: 'new' as ImageStatus, createdAt, seq: receipt.seq };
      } catch (err) {
        await blobs.delete(stored.key).catch(() => {});
        throw err;
      }
    },

    get: requireImage,

    /** Where the bytes of an image (and its variants) are, for serving them. */
    async content(id: string): Promise<ImageContent> {
      if (!isId(id)) throw new ValidationError(`${JSON.stringify(id)} is not an image id`);
      const content = await withCatchUp(() => read.content(id));
      if (!content) throw new NotFoundError('image', id);
      return content;
    },

    async updateMetadata(
      id: string,
      patch: { uploader?: string; tags?: string[] },
      actor: string,
    ): Promise<Written> {
      await requireImage(id);
      const receipt = await events.publish(
        'pf.image.metadata_updated',
        id,
        { imageId: id, ...patch },
        { actor },
      );
      return { seq: receipt.seq };
    },

    async setStatus(id: string, status: ImageStatus, actor: string): Promise<Written> {
      await requireImage(id);
      const receipt = await events.publish('pf.image.status_changed', id, { imageId: id, status }, { actor });
      return { seq: receipt.seq };
    },

    /** Publishes the deletion; the projector drops the image and a consumer removes its bytes. */
    async delete(id: string, actor: string): Promise<Written> {
      if (!isId(id)) throw new ValidationError(`${JSON.stringify(id)} is not an image id`);
      const keys = await withCatchUp(() => read.content(id));
      if (!keys) throw new NotFoundError('image', id);
      const receipt = await events.publish(
        'pf.image.deleted',
        id,
        { imageId: id, blobKeys: [keys.blobKey, ...keys.variants.map((v) => v.blobKey)] },
        { actor },
      );
      return { seq: receipt.seq };
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
