// Videos through the real stack (nats-server, Mongo-wire, ffprobe): upload, probed metadata, poster, ranges,
// listing, deletion, and every kind of hostile upload refused with a clear 4xx and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { startDerivatives } from '../internal/wiring/derivatives.ts';
import { verifyProjections } from '../internal/wiring/verify.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { uploadForm } from './support/images.ts';
import { eventually } from './support/eventually.ts';

const run = promisify(execFile);

interface VideoBody {
  id: string;
  contentType: string;
  frameCount: number;
  frameRate: { num: number; den: number };
  fps: number;
  width: number;
  height: number;
  audio: { codec: string; channels: number; sampleRate: number }[];
  posterUrl: string | null;
  variants: { name: string; url: string; width: number; height: number }[];
  seq: number;
}

async function blobCount(stack: TestStack): Promise<number> {
  let count = 0;
  for await (const _ of stack.conn.blobs.listStoredBefore(new Date(Date.now() + 60_000), 100)) count++;
  return count;
}

test('videos over HTTP', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-videos-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const generate = async (name: string, args: string[]) => {
    await run('ffmpeg', ['-v', 'error', '-y', ...args, path.join(dir, name)]);
    return readFile(path.join(dir, name));
  };
  const ntsc = await generate('ntsc.mp4', [
    ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30000/1001'],
    ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
    ...['-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest'],
  ]);
  const long = await generate('long.mkv', [
    ...['-f', 'lavfi', '-i', 'color=black:size=32x32:rate=1', '-t', '5', '-c:v', 'libx264'],
  ]);

  await using stack = await startTestStack({
    env: { PIXELFORGE_MAX_VIDEO_BYTES: String(ntsc.length + 1024), PIXELFORGE_MAX_VIDEO_SECONDS: '4' },
  });
  const derivatives = await startDerivatives(stack.config, stack.conn, silentLogger);
  t.after(() => derivatives.stop());
  const upload = (bytes: Uint8Array, name: string, fields: Record<string, string> = {}) =>
    stack.request('/v1/videos', { method: 'POST', body: uploadForm(bytes, fields, name) });

  let videoId = '';
  await t.test('an MP4 is stored and described by its probe: exact rate, frames counted, audio', async () => {
    const res = await upload(ntsc, 'ntsc.mp4', { uploader: 'ana', tags: 'test, ntsc' });
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as VideoBody;
    videoId = body.id;
    assert.equal(res.headers.get('location'), `/v1/videos/${videoId}`);
    assert.equal(body.contentType, 'video/mp4');
    assert.deepEqual(body.frameRate, { num: 30000, den: 1001 });
    assert.equal(body.frameCount, 60);
    assert.deepEqual([body.width, body.height], [320, 240]);
    assert.deepEqual(body.audio, [{ codec: 'aac', channels: 1, sampleRate: 48000 }]);

    const read = await stack.request(`/v1/videos/${videoId}?after=${body.seq}`);
    assert.equal(read.status, 200);
    const video = (await read.json()) as VideoBody & { uploader: string; tags: string[] };
    assert.equal(video.uploader, 'ana');
    assert.deepEqual(video.tags, ['test', 'ntsc']);
    assert.ok(Math.abs(video.fps - 29.97) < 0.01, `fps ${video.fps}`);
  });

  await t.test('its poster appears as a WebP variant of the first seconds, at the video size', async () => {
    const video = await eventually(async () => {
      const body = (await (await stack.request(`/v1/videos/${videoId}`)).json()) as VideoBody;
      assert.ok(body.posterUrl, 'no poster yet');
      return body;
    });
    const poster = await stack.request(video.posterUrl!);
    assert.equal(poster.status, 200);
    assert.equal(poster.headers.get('content-type'), 'image/webp');
    const meta = await sharp(Buffer.from(await poster.arrayBuffer())).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 320, 240]);
  });

  await t.test('the bytes come back whole and by range', async () => {
    const whole = await stack.request(`/v1/videos/${videoId}/content`);
    assert.equal(whole.status, 200);
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(ntsc));
    const part = await stack.request(`/v1/videos/${videoId}/content`, {
      headers: { range: 'bytes=100-199' },
    });
    assert.equal(part.status, 206);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(ntsc.subarray(100, 200)));
  });

  await t.test('listing pages newest first', async () => {
    const second = (await (await upload(ntsc, 'again.mp4')).json()) as VideoBody;
    const first = await stack.request(`/v1/videos?limit=1&after=${second.seq}`);
    const page = (await first.json()) as { items: VideoBody[]; nextCursor: string };
    assert.deepEqual(
      page.items.map((v) => v.id),
      [second.id],
    );
    const next = (await (
      await stack.request(`/v1/videos?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`)
    ).json()) as { items: VideoBody[]; nextCursor: string | null };
    assert.deepEqual(
      next.items.map((v) => v.id),
      [videoId],
    );
    assert.equal(next.nextCursor, null);
    const gone = await stack.request(`/v1/videos/${second.id}`, { method: 'DELETE' });
    assert.equal(gone.status, 204);
  });

  await t.test('hostile uploads get a clear 4xx and leave no bytes behind', async () => {
    // Let the poster of the second upload settle before counting what is stored.
    await eventually(async () => {
      const page = (await (await stack.request('/v1/videos')).json()) as { items: VideoBody[] };
      assert.deepEqual(
        page.items.map((v) => v.id),
        [videoId],
      );
    });
    const stored = await eventually(async () => {
      const count = await blobCount(stack);
      assert.equal(count, 2, 'the video and its poster');
      return count;
    });
    const cases: [string, Uint8Array, string, number, RegExp][] = [
      ['text named .mp4', Buffer.from('hello, this is not a video at all'), 'x.mp4', 415, /not an MP4/],
      [
        'an image',
        await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
          .png()
          .toBuffer(),
        'x.png',
        415,
        /not an MP4/,
      ],
      [
        'a truncated MP4',
        ntsc.subarray(0, Math.floor(ntsc.length / 2)),
        'cut.mp4',
        400,
        /truncated|moov|not a video/,
      ],
      ['an empty file', Buffer.alloc(0), 'empty.mp4', 400, /empty/],
      ['a video over the duration limit', long, 'long.mkv', 413, /lasts 5 s; at most 4 s/],
      [
        'a file over the size limit',
        Buffer.concat([ntsc, Buffer.alloc(4096)]),
        'big.mp4',
        413,
        /larger than the limit/,
      ],
    ];
    for (const [what, bytes, name, status, message] of cases) {
      const res = await upload(bytes, name);
      const body = (await res.json()) as { code: string; message: string };
      assert.equal(res.status, status, `${what}: ${JSON.stringify(body)}`);
      assert.match(body.message, message, what);
    }
    assert.equal(await blobCount(stack), stored, 'a refused upload stored nothing');
    const unknown = await stack.request('/v1/videos/01JCZ3Q4Y8N7X5V2W1T0S9R8P7');
    assert.equal(unknown.status, 404);
    const bad = await stack.request('/v1/videos/not-an-id');
    assert.equal(bad.status, 400);
  });

  await t.test('the videos read model is what a fold of the stream gives, tombstone included', async () => {
    const report = await verifyProjections(stack.conn);
    assert.ok(report.ok, JSON.stringify(report.collections.filter((c) => c.drift > 0)));
    const videos = report.collections.find((c) => c.collection === 'videos')!;
    const tombstones = report.collections.find((c) => c.collection === 'video_tombstones')!;
    assert.deepEqual([videos.live, tombstones.live], [1, 1]);
  });

  await t.test('deleting removes the video, its poster and their bytes', async () => {
    const res = await stack.request(`/v1/videos/${videoId}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    const seq = res.headers.get('pixelforge-seq');
    assert.equal((await stack.request(`/v1/videos/${videoId}?after=${seq}`)).status, 404);
    await eventually(async () => assert.equal(await blobCount(stack), 0));
    const again = await stack.request(`/v1/videos/${videoId}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
  });
});
