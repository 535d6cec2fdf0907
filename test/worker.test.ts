// The worker process end to end: `cmd/worker/main.ts run` as a child with the env contract, against the real stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { STREAMS, type AnyEvent } from '../internal/events/catalog.ts';
import { newId } from '../internal/ids/ids.ts';
import { SEGMENT_OF, WorkerExit, jobOutputKey } from '../internal/jobs/worker-contract.ts';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LONG_25, VARIABLE_25_50, assertSameTiming } from './support/av-sync.ts';
import { uploadFlashVideo } from './support/videos.ts';
import { jobEvents } from './support/job-events.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { eventually } from './support/eventually.ts';
import { freePort } from '../internal/adapters/local-servers/free-port.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Worker {
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

function startWorker(
  stack: TestStack,
  jobId: string,
  spec: object,
  env: Record<string, string> = {},
): Worker {
  const child = spawn(process.execPath, [...TS_ENTRY_ARGS, 'cmd/worker/main.ts', 'run'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NATS_URL: stack.config.NATS_URL,
      MONGO_URL: stack.config.MONGO_URL,
      MONGO_DB: stack.config.MONGO_DB,
      PIXELFORGE_MODELS_DIR: `${ROOT}models`,
      PIXELFORGE_THREADS: '1',
      PIXELFORGE_JOB_ID: jobId,
      PIXELFORGE_JOB_SPEC: JSON.stringify(spec),
      PIXELFORGE_JOB_ATTEMPT: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr }))),
    kill: (signal) => child.kill(signal),
  };
}

/** How many stored segments of `jobId` there are. */
async function segmentBlobs(stack: TestStack, jobId: string): Promise<number> {
  let count = 0;
  for await (const blob of stack.conn.blobs.listStoredBefore(new Date(Date.now() + 60_000), 100))
    if (blob.metadata[SEGMENT_OF] === jobId) count++;
  return count;
}

async function upload(stack: TestStack, image: Buffer): Promise<string> {
  const res = await stack.request('/v1/images', {
    method: 'POST',
    body: uploadForm(image, { group: 'jobs' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

test('the enhancement worker', async (t) => {
  await using stack = await startTestStack();
  const imageId = await upload(stack, await makeJpeg(48, 40));

  await t.test('succeeds: output blob at 4×, progress and success events, variant on the image', async () => {
    const jobId = `job-ok-${newId().toLowerCase()}`;
    const spec = { source: { imageId }, model: 'esrgan-slim', scale: 4, output: { format: 'png' } };
    const { code, stderr } = await startWorker(stack, jobId, spec).exit;
    assert.equal(code, WorkerExit.Succeeded, stderr);

    const key = jobOutputKey(jobId);
    const blob = Buffer.concat(await (await stack.conn.blobs.get(key)).toArray());
    const meta = await sharp(blob).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 192, 160]);

    const events = await jobEvents(stack, jobId);
    const types = events.map((e) => e.type);
    assert.ok(types.includes('pf.job.progress'), types.join());
    assert.equal(types.at(-1), 'pf.job.succeeded');
    const progress = events.filter((e) => e.type === 'pf.job.progress').at(-1)!;
    assert.equal(progress.type === 'pf.job.progress' && progress.data.done === progress.data.total, true);
    const succeeded = events.at(-1)!;
    assert.ok(succeeded.type === 'pf.job.succeeded');
    assert.equal(succeeded.data.output.blobKey, key);
    assert.equal(succeeded.data.output.width, 192);
    assert.equal(succeeded.data.imageId, imageId);

    const variant = await eventually(async () => {
      const image = (await (await stack.request(`/v1/images/${imageId}`)).json()) as {
        variants: { name: string; kind: string; url: string; jobId?: string }[];
      };
      const found = image.variants.filter((v) => v.name === key);
      assert.equal(found.length, 1);
      return found[0]!;
    });
    assert.equal(variant.kind, 'enhanced');
    assert.equal(variant.jobId, jobId);
    const content = await stack.request(variant.url);
    assert.equal(content.status, 200);
    assert.equal(content.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await content.arrayBuffer()), blob);

    // A second attempt of the same job replaces the blob, and its variant event is de-duplicated.
    const again = await startWorker(stack, jobId, spec, { PIXELFORGE_JOB_ATTEMPT: '2' }).exit;
    assert.equal(again.code, WorkerExit.Succeeded, again.stderr);
    const { jsm } = stack.conn.bus;
    const last = (await jsm.streams.info(STREAMS.images.name)).state.last_seq;
    let variantEvents = 0;
    for (let seq = 1; seq <= last; seq++) {
      const event = (await jsm.streams.getMessage(STREAMS.images.name, { seq }))?.json<AnyEvent>();
      if (event?.type === 'pf.image.variant_added' && event.data.variant.name === key) variantEvents++;
    }
    assert.equal(variantEvents, 1);
    const attempts = (await jobEvents(stack, jobId)).filter((e) => e.type === 'pf.job.succeeded');
    assert.deepEqual(
      attempts.map((e) => e.id),
      [`${jobId}-a1-succeeded`, `${jobId}-a2-succeeded`],
    );
    const replaced = Buffer.concat(await (await stack.conn.blobs.get(key)).toArray());
    assert.equal((await sharp(replaced).metadata()).width, 192);
  });

  await t.test('an unknown model fails permanently and names the installed models', async () => {
    const jobId = `job-model-${newId().toLowerCase()}`;
    const { code, stderr } = await startWorker(stack, jobId, { source: { imageId }, model: 'esrgan-foo' })
      .exit;
    assert.equal(code, WorkerExit.Permanent, stderr);
    const failed = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.failed');
    assert.ok(failed?.type === 'pf.job.failed', 'no pf.job.failed event');
    assert.equal(failed.data.retryable, false);
    assert.equal(failed.data.code, 'unknown_model');
    assert.match(failed.data.reason, /esrgan-foo is not installed; installed: .*esrgan-slim/);
    assert.equal(await stack.conn.blobs.stat(jobOutputKey(jobId)), null);
  });

  await t.test('a corrupt source image fails permanently', async () => {
    const corruptId = newId();
    const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 0x5a)]);
    await stack.conn.blobs.put(Readable.from([garbage]), { key: corruptId, contentType: 'image/jpeg' });
    const jobId = `job-corrupt-${newId().toLowerCase()}`;
    const { code, stderr } = await startWorker(stack, jobId, {
      source: { imageId: corruptId },
      model: 'esrgan-slim',
    }).exit;
    assert.equal(code, WorkerExit.Permanent, stderr);
    const failed = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.failed');
    assert.ok(failed?.type === 'pf.job.failed');
    assert.equal(failed.data.code, 'corrupt_image');
  });

  await t.test('a URL source is refused as not supported yet', async () => {
    const jobId = `job-url-${newId().toLowerCase()}`;
    const { code } = await startWorker(stack, jobId, {
      source: { url: 'https://example.com/a.jpg' },
      model: 'esrgan-slim',
    }).exit;
    assert.equal(code, WorkerExit.Permanent);
    const failed = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.failed');
    assert.ok(failed?.type === 'pf.job.failed');
    assert.match(failed.data.reason, /not supported yet/);
  });

  await t.test(
    'a video job: every frame upscaled at its time, progress in frames, a variant of the video',
    async () => {
      const {
        file: source,
        dir,
        videoId,
      } = await uploadFlashVideo(stack.request, t, VARIABLE_25_50, 'flash.mp4');
      const jobId = `job-video-${newId().toLowerCase()}`;
      const spec = {
        source: { videoId },
        model: 'esrgan-slim',
        video: { preset: 'ultrafast', segmentSeconds: 1 },
      };
      const { code, stderr } = await startWorker(stack, jobId, spec).exit;
      assert.equal(code, WorkerExit.Succeeded, stderr);

      const events = await jobEvents(stack, jobId);
      const progress = events.flatMap((e) => (e.type === 'pf.job.progress' ? [e.data] : []));
      assert.ok(progress.length > 1, 'progress events');
      assert.ok(progress.every((p) => p.unit === 'frames' && p.total === VARIABLE_25_50.frames));
      assert.equal(progress.at(-1)!.done, VARIABLE_25_50.frames);
      const succeeded = events.at(-1)!;
      assert.ok(succeeded.type === 'pf.job.succeeded', succeeded.type);
      assert.equal(succeeded.data.videoId, videoId);
      assert.deepEqual([succeeded.data.output.width, succeeded.data.output.height], [256, 192]);
      assert.equal(succeeded.data.output.contentType, 'video/x-matroska');
      assert.equal(succeeded.data.video?.transformed, VARIABLE_25_50.frames);

      const output = path.join(dir, 'x4.mkv');
      await writeFile(
        output,
        Buffer.concat(await (await stack.conn.blobs.get(jobOutputKey(jobId))).toArray()),
      );
      await assertSameTiming(source, output, 4);
      assert.equal(
        await segmentBlobs(stack, jobId),
        0,
        'the segments were removed once the output was stored',
      );

      const variant = await eventually(async () => {
        const video = (await (await stack.request(`/v1/videos/${videoId}`)).json()) as {
          variants: { name: string; kind: string; url: string; jobId?: string }[];
        };
        const found = video.variants.find((v) => v.name === jobOutputKey(jobId));
        assert.ok(found, 'no variant yet');
        return found;
      });
      assert.equal(variant.kind, 'enhanced');
      const content = await stack.request(variant.url);
      assert.equal(content.headers.get('content-type'), 'video/x-matroska');
    },
  );

  await t.test(
    'a video job killed mid-way resumes from its stored segments: at most one is done twice',
    async () => {
      const { file: source, dir, videoId } = await uploadFlashVideo(stack.request, t, LONG_25, 'long.mkv');
      const jobId = `job-resume-${newId().toLowerCase()}`;
      const segmentFrames = 25;
      const spec = {
        source: { videoId },
        model: 'esrgan-slim',
        video: { preset: 'ultrafast', segmentSeconds: 1 },
      };
      const first = startWorker(stack, jobId, spec);
      // Kill -9 once three segments' worth of frames are done: no chance to clean up or report.
      const doneAtKill = await eventually(
        async () => {
          const done = Math.max(
            0,
            ...(await jobEvents(stack, jobId)).flatMap((e) =>
              e.type === 'pf.job.progress' ? [e.data.done] : [],
            ),
          );
          assert.ok(done >= 3 * segmentFrames, `${done} frames done`);
          return done;
        },
        120_000,
        50,
      );
      first.kill('SIGKILL');
      assert.equal((await first.exit).code, null);
      assert.ok(doneAtKill < LONG_25.frames, 'killed before the end');
      assert.ok((await segmentBlobs(stack, jobId)) >= 2, 'finished segments were stored');

      const second = await startWorker(stack, jobId, spec, { PIXELFORGE_JOB_ATTEMPT: '2' }).exit;
      assert.equal(second.code, WorkerExit.Succeeded, second.stderr);
      const succeeded = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.succeeded');
      assert.ok(succeeded?.type === 'pf.job.succeeded');
      const video = succeeded.data.video!;
      assert.equal(video.frames, LONG_25.frames);
      assert.ok(video.reusedSegments >= 2, `reused ${video.reusedSegments} segments`);
      // Frames done before the kill plus frames redone after it: at most one segment's worth counted twice.
      assert.ok(
        doneAtKill + video.transformed <= LONG_25.frames + segmentFrames,
        `${doneAtKill} done before the kill, ${video.transformed} after`,
      );
      const output = path.join(dir, 'x4.mkv');
      await writeFile(
        output,
        Buffer.concat(await (await stack.conn.blobs.get(jobOutputKey(jobId))).toArray()),
      );
      await assertSameTiming(source, output, 4);
    },
  );

  await t.test(
    'SIGTERM mid-video stops within a frame: pf.job.cancelled, no output, no ffmpeg left',
    async () => {
      const { videoId } = await uploadFlashVideo(stack.request, t, LONG_25, 'long.mkv');
      const jobId = `job-vterm-${newId().toLowerCase()}`;
      const worker = startWorker(stack, jobId, { source: { videoId }, model: 'esrgan-slim' });
      await eventually(
        async () => {
          const progress = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.progress');
          assert.ok(progress?.type === 'pf.job.progress' && progress.data.unit === 'frames');
        },
        60_000,
        50,
      );
      worker.kill('SIGTERM');
      const { signal, stderr } = await worker.exit;
      assert.equal(signal, 'SIGTERM', stderr);
      const events = await jobEvents(stack, jobId);
      assert.equal(events.at(-1)?.type, 'pf.job.cancelled');
      const done = events.flatMap((e) => (e.type === 'pf.job.progress' ? [e.data.done] : []));
      assert.ok(Math.max(...done) < LONG_25.frames, 'the job ran to the end instead of stopping');
      assert.equal(await stack.conn.blobs.stat(jobOutputKey(jobId)), null);
      const { stdout } = await promisify(execFile)('ps', ['-eo', 'args']);
      assert.ok(!stdout.includes(`pf-video-${jobId}`), `an ffmpeg of ${jobId} is still running`);
    },
  );

  await t.test('an unknown video fails permanently, naming it', async () => {
    const jobId = `job-novideo-${newId().toLowerCase()}`;
    const missing = newId();
    const { code } = await startWorker(stack, jobId, { source: { videoId: missing }, model: 'esrgan-slim' })
      .exit;
    assert.equal(code, WorkerExit.Permanent);
    const failed = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.failed');
    assert.ok(failed?.type === 'pf.job.failed');
    assert.equal(failed.data.code, 'source_not_found');
    assert.match(failed.data.reason, new RegExp(`video ${missing} does not exist`));
  });

  await t.test('NATS unreachable exits retryable', async () => {
    const port = await freePort();
    const { code, stderr } = await startWorker(
      stack,
      'job-no-nats',
      { source: { imageId }, model: 'esrgan-slim' },
      { NATS_URL: `nats://127.0.0.1:${port}` },
    ).exit;
    assert.equal(code, WorkerExit.Retryable, stderr);
    assert.match(stderr, /cannot reach NATS or MongoDB/);
  });

  await t.test('SIGTERM mid-job stops it, publishes pf.job.cancelled and ends by SIGTERM', async () => {
    const bigId = await upload(stack, await makeJpeg(192, 192));
    const jobId = `job-term-${newId().toLowerCase()}`;
    const worker = startWorker(stack, jobId, {
      source: { imageId: bigId },
      model: 'esrgan-slim',
      tile: { size: 16, pad: 0 },
      output: { format: 'png' },
    });
    const first = await eventually(
      async () => {
        const progress = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.progress');
        assert.ok(progress?.type === 'pf.job.progress');
        return progress.data;
      },
      30_000,
      50,
    );
    worker.kill('SIGTERM');
    const { signal, stderr } = await worker.exit;
    assert.equal(signal, 'SIGTERM', stderr);
    const events = await jobEvents(stack, jobId);
    assert.equal(events.at(-1)?.type, 'pf.job.cancelled');
    const done = events
      .filter((e) => e.type === 'pf.job.progress')
      .map((e) => (e.data as { done: number }).done);
    assert.ok(Math.max(...done) < first.total, 'the job ran to the end instead of stopping');
    assert.ok(!events.some((e) => e.type === 'pf.job.succeeded'));
    assert.equal(await stack.conn.blobs.stat(jobOutputKey(jobId)), null);
  });

  await t.test(
    'SIGTERM mid-tile stops at once, without waiting for the tile (a slow model, one tile)',
    async () => {
      // One 128×128 tile of RRDBNet on one thread: seconds of inference that cannot be interrupted.
      const photoId = await upload(stack, await makeJpeg(128, 128));
      const jobId = `job-midtile-${newId().toLowerCase()}`;
      const worker = startWorker(stack, jobId, {
        source: { imageId: photoId },
        model: 'realesrgan-x4plus',
        tile: { size: 128, pad: 0 },
        output: { format: 'png' },
      });
      // 0/1 is published as the tile starts.
      await eventually(
        async () => {
          const progress = (await jobEvents(stack, jobId)).find((e) => e.type === 'pf.job.progress');
          assert.ok(progress?.type === 'pf.job.progress' && progress.data.total === 1);
        },
        60_000,
        20,
      );
      worker.kill('SIGTERM');
      const { signal, stderr } = await worker.exit;
      assert.equal(signal, 'SIGTERM', stderr);
      const events = await jobEvents(stack, jobId);
      assert.equal(events.at(-1)?.type, 'pf.job.cancelled');
      const done = events.flatMap((e) => (e.type === 'pf.job.progress' ? [e.data.done] : []));
      assert.deepEqual(done, [0], 'the worker waited for the tile to finish before it stopped');
    },
  );
});
