// Inspects a video while it streams past: every chunk is also written to a private temporary file, and when the
// stream ends ffprobe reads that file (an MP4's index is often at its end, so a pipe is not enough). The
// stream ends only after the probe has accepted the video, and errors when it refuses it, so whatever reads
// the stream (the blob store) keeps nothing of a refused upload.
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import type { VideoFacts } from '../../videos/video.ts';
import { probeVideo, type VideoLimits } from './probe-video.ts';

export interface InspectedVideo {
  /** Pass the upload through this stream; it ends once the video is accepted. */
  stream: Transform;
  /** The probed facts, or the reason the video was refused. */
  result: Promise<VideoFacts>;
}

export function createVideoInspector(limits: VideoLimits, tmpDir = tmpdir()): () => InspectedVideo {
  return () => {
    let dir: string | undefined;
    let file: FileHandle | undefined;
    let settle!: { resolve: (facts: VideoFacts) => void; reject: (err: Error) => void };
    const result = new Promise<VideoFacts>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => {});
    const cleanup = async () => {
      await file?.close().catch(() => {});
      file = undefined;
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    };
    const staged = () => path.join(dir!, 'upload');
    const stream = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const write = async () => {
          if (!file) {
            dir = await mkdtemp(path.join(tmpDir, 'pf-video-'));
            file = await open(staged(), 'w', 0o600);
          }
          await file.write(chunk);
        };
        write().then(
          () => callback(null, chunk),
          (err: Error) => callback(err),
        );
      },
      flush(callback) {
        const probe = async () => {
          await file?.close();
          file = undefined;
          if (!dir) throw new Error('no bytes reached the video inspector');
          return probeVideo(staged(), limits);
        };
        probe().then(
          async ({ sizeBytes: _size, colour: _colour, ...facts }) => {
            settle.resolve(facts);
            await cleanup();
            callback();
          },
          async (err: Error) => {
            settle.reject(err);
            await cleanup();
            callback(err);
          },
        );
      },
      destroy(err, callback) {
        if (err) settle.reject(err);
        cleanup().then(
          () => callback(err),
          () => callback(err),
        );
      },
    });
    return { stream, result };
  };
}
