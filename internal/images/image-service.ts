// The image service: uploads, groups, metadata, review status and deletion, as events. It validates,
// stores bytes and publishes; it never writes read models (the projector does).
import { catchUpLookup } from './catch-up.ts';
import type { Readable } from 'node:stream';
import { groupIdForName, isId, newId } from '../ids/ids.ts';
import { NotFoundError, ConflictError, ValidationError } from '../errors/errors.ts';
import { groupNamespace, requireChange, requireCreate, seen, type Principal } from '../auth/principal.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import type { ImageOrigin, UploadedImage } from './image.ts';
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

/** How an import stores an image: a fixed id (its item's), its origin, and a check for an earlier copy. */
export interface ImportedUpload {
  imageId: string;
  origin: ImageOrigin;
  /** The image already holding these bytes from this URL, if any: then nothing is stored. */
  existing(sha256: string): Promise<string | undefined>;
}

/** How many groups an image service remembers (the oldest are forgotten first). */
const KNOWN_GROUPS = 10_000;

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
  // Groups are never deleted and never change owner, so one seen (or created) here is looked up once: an
  // import of a thousand images from a hundred documents reads a hundred groups, not a thousand.
  const knownGroups = new Map<string, { name: string; owner: string | null }>();
  const resolving = new Map<string, Promise<string>>();
  const remember = (id: string, group: { name: string; owner: string | null }) => {
    if (knownGroups.size >= KNOWN_GROUPS) knownGroups.delete(knownGroups.keys().next().value!);
    knownGroups.set(id, group);
  };

  const requireImage = async (caller: Principal, id: string): Promise<ImageView> => {
    if (!isId(id)) throw new ValidationError(`${JSON.stringify(id)} is not an image id`);
    return seen(caller, await withCatchUp(() => read.image(id)), 'image', id);
  };

  const requireContent = async (caller: Principal, id: string): Promise<ImageContent> => {
    if (!isId(id)) throw new ValidationError(`${JSON.stringify(id)} is not an image id`);
    return seen(caller, await withCatchUp(() => read.content(id)), 'image', id);
  };

  /** The group an upload goes to: one the caller may add to by id, or theirs by name (created when new). */
  const resolveGroup = async (group: string, caller: Principal) => {
    const actor = caller.actor;
    if (isId(group)) {
      const found = knownGroups.get(group) ?? (await withCatchUp(() => read.group(group)));
      if (!found) throw new NotFoundError('group', group);
      remember(group, found);
      requireChange(caller, found.owner, 'images:write', 'group', group);
      return { groupId: group, groupName: found.name };
    }
    const name = group.trim();
    const groupId = groupIdForName(name, groupNamespace(caller));
    const known = knownGroups.get(groupId);
    if (known) return { groupId, groupName: known.name };
    // Uploads to one group at once (an import's images of one document) share one lookup.
    let pending = resolving.get(groupId);
    if (!pending) {
      pending = findOrCreate(groupId, name, actor).finally(() => resolving.delete(groupId));
      resolving.set(groupId, pending);
    }
    return { groupId, groupName: await pending };
  };

  /** The name of the group `groupId`, created as `name` when new. */
  const findOrCreate = async (groupId: string, name: string, actor: string): Promise<string> => {
    const found = await read.group(groupId);
    if (found) {
      remember(groupId, found);
      return found.name;
    }
    // A fixed event id: concurrent first uploads to a new group publish one creation between them.
    const receipt = await events.publish(
      'pf.group.created',
      groupId,
      { groupId, name },
      { actor, id: `group-created-${groupId}` },
    );
    // A duplicate is another upload's creation, perhaps under another spelling: the read model has its name.
    if (!receipt.duplicate) remember(groupId, { name, owner: actor });
    return name;
  };

  const ingest = async (
    file: Readable,
    filename: string,
    fields: Promise<UploadFields>,
    caller: Principal,
    imported?: ImportedUpload,
  ) => {
    requireCreate(caller, imported ? 'imports:write' : 'images:write');
    const actor = caller.actor;
    const imageId = imported?.imageId ?? newId();
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
      const earlier = await imported?.existing(stored.sha256);
      if (earlier) {
        await blobs.delete(stored.key).catch(() => {});
        return { skipped: earlier };
      }
      const { group, uploader, tags } = await fields;
      const { groupId, groupName } = await resolveGroup(group, caller);
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
        ...(imported ? { origin: imported.origin } : {}),
      };
      const createdAt = new Date();
      // An imported image's event id is its own: a resumed import that stores it again publishes it once.
      const receipt = await events.publish('pf.image.uploaded', imageId, data, {
        actor,
        time: createdAt,
        ...(imported ? { id: `uploaded-${imageId}` } : {}),
      });
      return { ...data, status: 'new' as ImageStatus, owner: actor, createdAt, seq: receipt.seq };
    } catch (err) {
      await blobs.delete(stored.key).catch(() => {});
      throw err;
    }
  };

  return {
    async createGroup(name: string, caller: Principal) {
      requireCreate(caller, 'images:write');
      const actor = caller.actor;
      const groupId = groupIdForName(name, groupNamespace(caller));
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
    async upload(file: Readable, filename: string, fields: Promise<UploadFields>, caller: Principal) {
      const result = await ingest(file, filename, fields, caller);
      if (result.skipped !== undefined) throw new Error('an upload without an import is never skipped');
      return result;
    },

    /** Stores an image an import downloaded, like an upload: `{ skipped }` when these bytes from this URL exist. */
    importImage: ingest,

    get: requireImage,

    /** Where the bytes of an image (and its variants) are, for serving them. */
    content: requireContent,

    async updateMetadata(
      caller: Principal,
      id: string,
      patch: { uploader?: string; tags?: string[] },
    ): Promise<Written> {
      const image = await requireImage(caller, id);
      requireChange(caller, image.owner, 'images:write', 'image', id);
      const receipt = await events.publish(
        'pf.image.metadata_updated',
        id,
        { imageId: id, ...patch },
        { actor: caller.actor },
      );
      return { seq: receipt.seq };
    },

    /** Moves an image through review: its owner, reviewers and admins may. */
    async setStatus(caller: Principal, id: string, status: ImageStatus): Promise<Written> {
      const image = await requireImage(caller, id);
      requireChange(caller, image.owner, 'images:write', 'image', id, { reviewing: true });
      const receipt = await events.publish(
        'pf.image.status_changed',
        id,
        { imageId: id, status },
        { actor: caller.actor },
      );
      return { seq: receipt.seq };
    },

    /** Publishes the deletion; the projector drops the image and a consumer removes its bytes. */
    async delete(caller: Principal, id: string): Promise<Written> {
      const keys = await requireContent(caller, id);
      requireChange(caller, keys.owner, 'images:write', 'image', id);
      const receipt = await events.publish(
        'pf.image.deleted',
        id,
        { imageId: id, blobKeys: [keys.blobKey, ...keys.variants.map((v) => v.blobKey)] },
        { actor: caller.actor },
      );
      return { seq: receipt.seq };
    },
  };
}

export type ImageService = ReturnType<typeof createImageService>;
