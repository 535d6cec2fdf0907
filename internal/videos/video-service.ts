// The video service: uploads (checked from their first bytes, probed once whole), reads and deletion, as
// events. Like the image service it stores bytes and publishes; it never writes read models.
import { catchUpLookup } from '../images/catch-up.ts';
import type { Readable } from 'node:stream';
import { isId, newId } from '../ids/ids.ts';
import { ValidationError } from '../errors/errors.ts';
import { listOwner, requireChange, requireCreate, seen, type Principal } from '../auth/principal.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EventPublisher } from '../ports/event-bus.ts';
import type { ProjectionProgress } from '../images/views.ts';
import type { UploadedVideo, VideoFacts } from './video.ts';
import { sniffVideoUpload } from './video-sniff.ts';
import type { VideoContent, VideoReadSide, VideoView } from './views.ts';

/** Checks a video as it streams past: `stream` ends once the video is accepted and errors when it is not. */
export type VideoInspector = () => { stream: NodeJS.ReadWriteStream & Readable; result: Promise<VideoFacts> };

export interface VideoServiceDeps {
  events: EventPublisher;
  blobs: BlobStore;
  read: VideoReadSide;
  progress: ProjectionProgress;
  inspect: VideoInspector;
  maxBytes: number;
  /** How long a lookup of an unknown id waits for the projector to catch up (default 2000 ms). */
  catchUpMs?: number;
}

export interface VideoUploadFields {
  uploader?: string | undefined;
  tags?: string[] | undefined;
}

export function createVideoService({
  events,
  blobs,
  read,
  progress,
  inspect,
  maxBytes,
  catchUpMs = 2000,
}: VideoServiceDeps) {
  const withCatchUp = catchUpLookup(progress, catchUpMs);

  const checkId = (id: string) => {
    if (!isId(id)) throw new ValidationError(`${JSON.stringify(id)} is not a video id`);
  };
  const requireContent = async (caller: Principal, id: string): Promise<VideoContent> => {
    checkId(id);
    return seen(caller, await withCatchUp(() => read.videoContent(id)), 'video', id);
  };

  return {
    /**
     * Streams `file` into the blob store through the sniffer and the inspector, then publishes
     * `pf.video.uploaded`. A refused video is never stored; any later failure removes the stored bytes.
     */
    async upload(file: Readable, filename: string, fields: Promise<VideoUploadFields>, caller: Principal) {
      requireCreate(caller, 'images:write');
      const actor = caller.actor;
      const videoId = newId();
      const sniffer = sniffVideoUpload(maxBytes);
      const inspector = inspect();
      file.once('error', (err) => sniffer.destroy(err));
      sniffer.once('error', (err) => inspector.stream.destroy(err));
      file.pipe(sniffer).pipe(inspector.stream);
      const stored = await blobs.put(inspector.stream, {
        key: videoId,
        contentType: 'application/octet-stream',
        metadata: { videoId },
      });
      try {
        const facts = await inspector.result;
        const { uploader, tags } = await fields;
        const data: UploadedVideo = {
          ...facts,
          videoId,
          filename: filename.slice(0, 255),
          size: stored.size,
          sha256: stored.sha256,
          blobKey: stored.key,
          ...(uploader ? { uploader } : {}),
          tags: tags ?? [],
        };
        const createdAt = new Date();
        const receipt = await events.publish('pf.video.uploaded', videoId, data, { actor, time: createdAt });
        return { ...data, owner: actor, createdAt, seq: receipt.seq };
      } catch (err) {
        await blobs.delete(stored.key).catch(() => {});
        throw err;
      }
    },

    async get(caller: Principal, id: string): Promise<VideoView> {
      checkId(id);
      return seen(caller, await withCatchUp(() => read.video(id)), 'video', id);
    },

    /** Where the bytes of a video (and its variants) are, for serving them. */
    content: requireContent,

    /** The videos the caller may see (`owner: 'me'`: only theirs), newest first. */
    list(caller: Principal, filter: { limit: number; cursor?: string; owner?: string }) {
      const { owner: requested, ...page } = filter;
      const owner = listOwner(caller, requested);
      return read.videos({ ...page, ...(owner !== undefined ? { owner } : {}) });
    },

    /** Publishes the deletion; the projector drops the video and a consumer removes its bytes. */
    async delete(caller: Principal, id: string): Promise<{ seq: number }> {
      const content = await requireContent(caller, id);
      requireChange(caller, content.owner, 'images:write', 'video', id);
      const actor = caller.actor;
      const receipt = await events.publish(
        'pf.video.deleted',
        id,
        { videoId: id, blobKeys: [content.blobKey, ...content.variants.map((v) => v.blobKey)] },
        { actor },
      );
      return { seq: receipt.seq };
    },
  };
}

export type VideoService = ReturnType<typeof createVideoService>;
