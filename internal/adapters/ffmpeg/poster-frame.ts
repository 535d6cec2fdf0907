// One decoded frame of a video as a PNG, for its poster: ffmpeg seeks to a time and writes the frame to a pipe.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where a poster is taken from: a tenth of the way in, at most 3 s (past fades from black, before spoilers). */
export function posterTime(durationSeconds: number): number {
  return Math.min(durationSeconds * 0.1, 3);
}

/** The frame of `file` shown at `atSeconds` (or the last one before it), as a PNG at most `maxWidth` wide. */
export async function extractFrame(file: string, atSeconds: number, maxWidth = 1280): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    [
      ...['-v', 'error', '-ss', atSeconds.toFixed(3), '-i', file, '-frames:v', '1'],
      // Never enlarge; -2 keeps the aspect ratio with an even height. Square pixels for anamorphic sources.
      ...['-vf', `scale='min(${maxWidth},iw*sar)':-2,setsar=1`, '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 64 << 20, timeout: 60_000 },
  );
  if (stdout.length === 0) throw new Error(`ffmpeg produced no frame at ${atSeconds} s`);
  return stdout;
}

/** `extractFrame` of a video that arrives as a stream (a stored blob): staged in a temporary file first. */
export async function extractFrameOf(
  source: Readable,
  atSeconds: number,
  { maxWidth = 1280, tmpDir = tmpdir() }: { maxWidth?: number; tmpDir?: string } = {},
): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpDir, 'pf-poster-'));
  try {
    const file = path.join(dir, 'video');
    await pipeline(source, createWriteStream(file, { mode: 0o600 }));
    return await extractFrame(file, atSeconds, maxWidth);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
