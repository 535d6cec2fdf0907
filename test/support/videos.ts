// Test videos on the stack: a flash-and-burst source written to a private directory and uploaded through
// POST /v1/videos, the way a client would.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { writeFlashVideo, type FlashSource } from './av-sync.ts';
import { uploadForm } from './images.ts';

export interface UploadedTestVideo {
  /** The source file (kept until the test ends), and its directory for outputs. */
  file: string;
  dir: string;
  videoId: string;
}

/** Writes `source` as `name` and uploads it; the directory is removed when `t` ends. */
export async function uploadFlashVideo(
  request: (path: string, init?: RequestInit) => Promise<Response>,
  t: TestContext,
  source: FlashSource,
  name = 'clip.mp4',
): Promise<UploadedTestVideo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-test-video-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, name);
  await writeFlashVideo(file, source);
  const res = await request('/v1/videos', {
    method: 'POST',
    body: uploadForm(await readFile(file), {}, name),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return { file, dir, videoId: ((await res.json()) as { id: string }).id };
}
