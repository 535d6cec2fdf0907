// /v1/enhancements end to end in the local mode: upload → POST → the controller runs the real worker as a
// child process → progress over SSE → the enhanced variant downloads; plus validation, failure and cancel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Config } from '../internal/config/config.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { startController, type RunningController } from '../internal/wiring/controller.ts';
import { eventually } from './support/eventually.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { startTestStack, TEST_API_KEY } from './support/stack.ts';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONSTANT_25, LONG_25, assertSameTiming, writeFlashVideo } from './support/av-sync.ts';
import { uploadFlashVideo } from './support/videos.ts';
import { modelsWithFakes } from './support/fake-models.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { STREAMS } from '../internal/events/catalog.ts';
import { REQUESTS_CONSUMER } from '../internal/wiring/controller-consumers.ts';
import { jobEvents } from './support/job-events.ts';
import { promisify } from 'node:util';
import { createApiClient } from '../internal/cli/client.ts';
import { remoteEnhance, type RemoteJob } from '../internal/cli/remote-enhance.ts';
import { listen } from '../internal/wiring/ingress.ts';
import { TS_ENTRY_ARGS, tsEntryCommand } from '../internal/wiring/typescript-entry.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** Reads a server-sent event stream to its end: `[event, data]` pairs. */
async function readSse(res: Response): Promise<[string, unknown][]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? 'null';
      return [event, JSON.parse(data)];
    });
}

/** The pid of the local worker process running job `jobId`, found by its environment and command line. */
async function workerPidOf(jobId: string): Promise<number> {
  return eventually(async () => {
    for (const entry of await readdir('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
      if (!environ.split('\0').includes(`PIXELFORGE_JOB_ID=${jobId}`)) continue;
      // Its ffmpeg children inherit the environment too: the worker is the one running cmd/worker.
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes('cmd/worker/main.ts')) return Number(entry);
    }
    throw new Error(`no worker process for ${jobId}`);
  });
}

test('enhancements over HTTP, run by the local controller', async (t) => {
  // The fake worker's behaviours are models too, so that the ingress's model check lets them through.
  const modelsDir = await modelsWithFakes(t, ['sleep', 'report-exit-0', 'gated-report-exit-0']);
  await using stack = await startTestStack({ env: { PIXELFORGE_MODELS_DIR: modelsDir } });
  const { request } = stack;
  const base: Config = {
    ...stack.config,
    PIXELFORGE_RUNTIME: 'local',
    PIXELFORGE_NAMESPACE: 'http-test',
    PIXELFORGE_LEADER_ELECTION: false,
    PIXELFORGE_PROGRESS_INTERVAL_MS: 0,
    PIXELFORGE_RETRY_BASE_MS: 100,
    PIXELFORGE_THREADS: 1,
  };
  let controller: RunningController = await startController(base, stack.conn, silentLogger);
  t.after(() => controller.stop());

  const upload = await request('/v1/images', {
    method: 'POST',
    body: uploadForm(await makeJpeg(48, 32), { group: 'E' }),
  });
  assert.equal(upload.status, 201);
  const imageId = ((await upload.json()) as { id: string }).id;

  await t.test('bad requests are refused before anything is published', async () => {
    const unknownImage = await request(
      '/v1/enhancements',
      json({ imageId: '01JZZZZZZZZZZZZZZZZZZZZZZZ', model: 'esrgan-slim' }),
    );
    assert.equal(unknownImage.status, 404);
    assert.equal(((await unknownImage.json()) as { code: string }).code, 'not_found');
    for (const body of [
      { imageId, model: 'esrgan-slim', scale: 99 },
      { imageId, model: 'esrgan-slim', output: { format: 'gif' } },
      { imageId },
      { imageId, model: 'esrgan-slim', colour: 'blue' },
    ]) {
      const res = await request('/v1/enhancements', json(body));
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { code: string }).code, 'validation_failed');
    }
    // Model and scale are checked against the installed models at once, not by a worker seconds later.
    for (const [body, message] of [
      [
        { imageId, model: 'esrgan-fooo' },
        /model "esrgan-fooo" is not installed; choose one of auto, .*esrgan-slim/,
      ],
      [
        { imageId, model: 'esrgan-slim', scale: 5 },
        /scale 5 is not one of esrgan-slim's native scales \(4, 2, 3, 8\)/,
      ],
      [{ imageId, model: 'auto', scale: 3 }, /scale 3 is not one of auto's native scales/],
      [
        { imageId, model: 'esrgan-slim', outscale: 2, size: { width: 10 } },
        /give outscale or size, not both/,
      ],
      [{ imageId, model: 'esrgan-slim', size: { fit: 'cover' } }, /size needs a width, a height or both/],
      [{ imageId, model: 'esrgan-slim', size: { width: 10, fit: 'stretch' } }, /fit/],
      [{ videoId: imageId, model: 'video', size: { width: 10 } }, /not supported for videos yet/],
    ] as const) {
      const res = await request('/v1/enhancements', json(body));
      const problem = (await res.json()) as { code: string; message: string };
      assert.deepEqual([res.status, problem.code], [400, 'validation_failed'], JSON.stringify(body));
      assert.match(problem.message, message);
    }
    const aliased = await request('/v1/enhancements', json({ videoId: 'nope', model: 'video', scale: 2 }));
    assert.equal(aliased.status, 404, 'an alias with one of its scales passes the model check');
    assert.equal((await stack.app.request('/v1/enhancements', json({ imageId, model: 'm' }))).status, 401);
    assert.equal((await request('/v1/enhancements/nope')).status, 404);
    assert.equal((await request('/v1/enhancements/NOT_AN_ID')).status, 400);
  });

  await t.test(
    'a NATS request for a model that is not installed is dead-lettered with the reason',
    async () => {
      await createNatsPublisher(stack.conn.bus.js, { source: 'test' }).publish(
        'pf.enhancement.requested',
        'nats-bad-model',
        { jobId: 'nats-bad-model', spec: { source: { imageId }, model: 'esrgan-fooo' } },
      );
      const { jsm } = stack.conn.bus;
      const letter = await eventually(async () => {
        const last = (await jsm.streams.info(STREAMS.deadLetters.name)).state.last_seq;
        for (let seq = 1; seq <= last; seq++) {
          const message = await jsm.streams.getMessage(STREAMS.deadLetters.name, { seq }).catch(() => null);
          if (message?.subject === `pfdlq.${REQUESTS_CONSUMER}`)
            return message.header.get('Pixelforge-Dead-Letter-Reason');
        }
        throw new Error('no dead letter yet');
      }, 15_000);
      assert.match(letter, /invalid request: model "esrgan-fooo" is not installed; choose one of/);
      // No EnhancementJob is made of it, and its entry in the jobs read model ends Failed with the reason.
      const view = await eventually(async () => {
        const job = (await (await request('/v1/enhancements/nats-bad-model')).json()) as {
          phase: string;
          attempts: number;
          error: { code: string; reason: string };
        };
        assert.equal(job.phase, 'Failed');
        return job;
      });
      assert.equal(view.attempts, 0, 'no worker ran');
      assert.equal(view.error.code, 'invalid_request');
      assert.match(view.error.reason, /esrgan-fooo/);
    },
  );

  let jobId = '';
  await t.test('POST → 202 → progress over SSE → Succeeded → the variant downloads', async () => {
    const res = await request(
      '/v1/enhancements',
      json({ imageId, model: 'esrgan-slim', output: { format: 'png' } }),
    );
    assert.equal(res.status, 202, await res.clone().text());
    const accepted = (await res.json()) as { id: string; url: string; events: string; phase: string };
    jobId = accepted.id;
    assert.match(jobId, /^[0-9a-z]{26}$/);
    assert.equal(res.headers.get('location'), `/v1/enhancements/${jobId}`);
    assert.equal(accepted.phase, 'Pending');

    const events = await readSse(await request(accepted.events));
    assert.equal(events[0]![0], 'snapshot');
    assert.equal((events[0]![1] as { id: string }).id, jobId);
    assert.equal(events.at(-1)![0], 'pf.job.succeeded', JSON.stringify(events.map((e) => e[0])));
    assert.ok(
      events.some(([type]) => type === 'pf.job.progress'),
      'progress was streamed',
    );

    const done = await eventually(async () => {
      const view = (await (await request(accepted.url)).json()) as Record<string, unknown>;
      assert.equal(view.phase, 'Succeeded');
      return view as { outputUrl: string; attempts: number; progress: { done: number; total: number } };
    }, 30_000);
    assert.equal(done.attempts, 1);
    assert.equal(done.progress.done, done.progress.total);
    const download = await request(done.outputUrl);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'image/png');
    const meta = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [192, 128], 'esrgan-slim is ×4');
    const image = (await (await request(`/v1/images/${imageId}`)).json()) as { variants: { name: string }[] };
    assert.ok(
      image.variants.some((v) => v.name === `enhanced-${jobId}`),
      'listed as a variant of the image',
    );
  });

  await t.test(
    'an absolute size: the worker picks the scale and fits the box; the job says how it ran',
    async () => {
      // An image of its own: the listing test below counts the jobs of `imageId`.
      const other = await request('/v1/images', {
        method: 'POST',
        body: uploadForm(await makeJpeg(48, 32), { group: 'E' }),
      });
      const { id: sizedImageId } = (await other.json()) as { id: string };
      const res = await request(
        '/v1/enhancements?wait=60',
        json({
          imageId: sizedImageId,
          model: 'esrgan-slim',
          size: { width: 100, height: 100, fit: 'cover' },
          output: { format: 'png' },
        }),
      );
      assert.equal(res.status, 200, await res.clone().text());
      const done = (await res.json()) as {
        outputUrl: string;
        output: { width: number; height: number };
        durationMs: number;
        provider: string;
        device: string;
      };
      assert.deepEqual([done.output.width, done.output.height], [100, 100]);
      const meta = await sharp(Buffer.from(await (await request(done.outputUrl)).arrayBuffer())).metadata();
      assert.deepEqual([meta.width, meta.height], [100, 100]);
      assert.ok(done.durationMs > 0);
      assert.equal(done.provider, 'cpu');
      assert.match(done.device, /\(\d+ threads\)$/);
    },
  );

  await t.test(
    'a video: frames progress → Succeeded → the MKV downloads with the sound in sync',
    async () => {
      const { file: source, dir, videoId } = await uploadFlashVideo(request, t, CONSTANT_25, 'clip.mp4');
      const res = await request(
        '/v1/enhancements',
        json({ videoId, model: 'esrgan-slim', video: { preset: 'ultrafast' } }),
      );
      assert.equal(res.status, 202, await res.clone().text());
      const accepted = (await res.json()) as { id: string; url: string };
      const done = await eventually(async () => {
        const view = (await (await request(accepted.url)).json()) as Record<string, unknown>;
        assert.equal(view.phase, 'Succeeded', JSON.stringify(view));
        return view as {
          outputUrl: string;
          videoId: string;
          progress: { done: number; total: number; unit: string };
        };
      }, 60_000);
      assert.equal(done.videoId, videoId);
      assert.deepEqual(done.progress, {
        done: CONSTANT_25.frames,
        total: CONSTANT_25.frames,
        unit: 'frames',
      });
      assert.match(done.outputUrl, new RegExp(`^/v1/videos/${videoId}/variants/`));
      const listed = (await (await request(`/v1/enhancements?videoId=${videoId}`)).json()) as {
        items: { id: string; videoId: string }[];
      };
      assert.deepEqual(
        listed.items.map((j) => [j.id, j.videoId]),
        [[accepted.id, videoId]],
      );
      const download = await request(done.outputUrl);
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-type'), 'video/x-matroska');
      const output = path.join(dir, 'x4.mkv');
      await writeFile(output, Buffer.from(await download.arrayBuffer()));
      await assertSameTiming(source, output, 4);
    },
  );

  await t.test('a video worker killed -9 mid-job is retried by the controller and resumes', async () => {
    const { file: source, dir, videoId } = await uploadFlashVideo(request, t, LONG_25, 'long.mkv');
    const res = await request(
      '/v1/enhancements',
      json({ videoId, model: 'esrgan-slim', video: { preset: 'ultrafast', segmentSeconds: 1 } }),
    );
    assert.equal(res.status, 202, await res.clone().text());
    const { id, url } = (await res.json()) as { id: string; url: string };
    const doneAtKill = await eventually(
      async () => {
        const view = (await (await request(url)).json()) as { progress: { done: number } | null };
        assert.ok((view.progress?.done ?? 0) >= 3 * 25, JSON.stringify(view.progress));
        return view.progress!.done;
      },
      120_000,
      50,
    );
    const pid = await workerPidOf(id);
    process.kill(pid, 'SIGKILL');
    const done = await eventually(async () => {
      const view = (await (await request(url)).json()) as Record<string, unknown>;
      assert.equal(view.phase, 'Succeeded', JSON.stringify(view));
      return view as { outputUrl: string; attempts: number };
    }, 120_000);
    assert.equal(done.attempts, 2, 'the controller ran a second attempt');
    const succeeded = (await jobEvents(stack, id)).filter((e) => e.type === 'pf.job.succeeded');
    assert.equal(succeeded.length, 1);
    const video = succeeded[0]!.type === 'pf.job.succeeded' ? succeeded[0]!.data.video! : undefined;
    assert.ok(video && video.reusedSegments >= 2, JSON.stringify(video));
    assert.ok(
      doneAtKill + video.transformed <= LONG_25.frames + 25,
      `${doneAtKill} frames done before the kill, ${video.transformed} after: more than one segment redone`,
    );
    const output = path.join(dir, 'x4.mkv');
    await writeFile(output, Buffer.from(await (await request(done.outputUrl)).arrayBuffer()));
    await assertSameTiming(source, output, 4);
  });

  await t.test('the CLI: `pixelforge videos` uploads, lists, shows, upscales and deletes', async () => {
    await using server = await listen(stack.app, 0, '127.0.0.1');
    const env = { ...process.env, PIXELFORGE_URL: server.url, PIXELFORGE_API_KEY: TEST_API_KEY };
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-cli-videos-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const source = path.join(dir, 'clip.mp4');
    await writeFlashVideo(source, CONSTANT_25);
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', 'videos', ...args], {
        env,
        timeout: 60_000,
      });
    const uploaded = await cli('upload', source, '--tags', 'cli');
    const id = /\t([0-9A-Z]{26})\s/.exec(uploaded.stdout)?.[1];
    assert.ok(id, uploaded.stdout);
    assert.match(uploaded.stdout, /64×48 {2}25 fps {2}75 frames {2}3\.5 s {2}h264 {2}aac 1ch/);
    const listed = JSON.parse((await cli('list', '--json')).stdout) as { items: { id: string }[] };
    assert.ok(listed.items.some((v) => v.id === id));
    assert.match((await cli('show', id)).stdout, new RegExp(`^${id} {2}64×48`));

    const output = path.join(dir, 'x4.mkv');
    // `video` is an alias (realesr-animevideov3), resolved by the worker; ×2 is one of its native scales.
    const enhanced = await cli(
      'enhance',
      id,
      '--model',
      'video',
      '--scale',
      '2',
      '--preset',
      'ultrafast',
      '-o',
      output,
    );
    assert.match(enhanced.stdout, /x4\.mkv {2}128×96 video\/x-matroska/);
    await assertSameTiming(source, output, 2);

    await assert.rejects(cli('enhance', id), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /--model is required/);
      return true;
    });
    await assert.rejects(cli('upload', path.join(dir, 'x4.mkv.nope')), /refused/);
    assert.match((await cli('delete', id)).stdout, new RegExp(`video ${id} deleted`));
  });

  await t.test('the list filters by phase and image; an Idempotency-Key names one job', async () => {
    const list = (await (await request(`/v1/enhancements?phase=Succeeded&imageId=${imageId}`)).json()) as {
      items: { id: string }[];
    };
    assert.deepEqual(
      list.items.map((i) => i.id),
      [jobId],
    );
    const again = json({ imageId, model: 'esrgan-slim' }, { 'idempotency-key': 'k1' });
    const first = (await (await request('/v1/enhancements', again)).json()) as { id: string };
    const second = (await (await request('/v1/enhancements', again)).json()) as { id: string };
    assert.equal(first.id, second.id);
    const done = await eventually(async () => {
      const view = (await (await request(`/v1/enhancements/${first.id}`)).json()) as Record<string, unknown>;
      assert.equal(view.phase, 'Succeeded');
      return view as { attempts: number };
    }, 45_000);
    assert.equal(done.attempts, 1, 'the two requests made one job, run once');
    const pending = (await (await request('/v1/enhancements?phase=Pending')).json()) as { items: unknown[] };
    assert.equal(pending.items.length, 0);
  });

  await t.test('DELETE cancels a running job; a finished one answers 409', async () => {
    await controller.stop();
    controller = await startController(
      {
        ...base,
        PIXELFORGE_LOCAL_WORKER_COMMAND: tsEntryCommand('test/support/fake-worker.ts'),
      },
      stack.conn,
      silentLogger,
    );
    const res = await request('/v1/enhancements', json({ imageId, model: 'sleep' }));
    const { id } = (await res.json()) as { id: string };
    await eventually(async () => {
      const view = (await (await request(`/v1/enhancements/${id}`)).json()) as { phase: string };
      assert.equal(view.phase, 'Running');
    }, 45_000);
    const cancel = await request(`/v1/enhancements/${id}`, { method: 'DELETE' });
    assert.equal(cancel.status, 202);
    const events = await readSse(await request(`/v1/enhancements/${id}/events`));
    assert.equal(events.at(-1)![0], events.length === 1 ? 'snapshot' : 'pf.job.cancelled');
    await eventually(async () => {
      const view = (await (await request(`/v1/enhancements/${id}`)).json()) as { phase: string };
      assert.equal(view.phase, 'Cancelled');
    }, 30_000);
    assert.equal((await request(`/v1/enhancements/${jobId}`, { method: 'DELETE' })).status, 409);
    assert.equal((await request('/v1/enhancements/unknown-job', { method: 'DELETE' })).status, 404);
  });

  await t.test(
    'the API says Running as soon as the controller knows, and the stream carries every phase in order',
    async () => {
      const res = await request('/v1/enhancements', json({ imageId, model: 'gated-report-exit-0' }));
      const { id, events: eventsUrl } = (await res.json()) as { id: string; events: string };
      const stream = readSse(await request(eventsUrl));
      // The worker is running but has reported nothing (it waits for the gate): only the controller knows.
      const running = await eventually(async () => {
        const view = (await (await request(`/v1/enhancements/${id}`)).json()) as Record<string, unknown>;
        assert.equal(view.phase, 'Running');
        return view;
      }, 30_000);
      assert.equal(running.progress, null, 'Running came from the controller, not from a progress event');
      assert.ok(running.startedAt, 'startedAt is set with the phase');
      await mkdir(path.join(modelsDir, 'gated'), { recursive: true });
      await writeFile(path.join(modelsDir, 'gated', `open-${id}`), '');
      // The snapshot says where the job was when the stream opened; each event after it moves it on.
      const [first, ...rest] = await stream;
      const snapshot = first![1];
      const phaseOf: Record<string, string> = {
        'pf.job.scheduled': 'Scheduled',
        'pf.job.started': 'Running',
        'pf.job.progress': 'Running',
        'pf.job.succeeded': 'Succeeded',
      };
      const phases = [(snapshot as { phase: string }).phase, ...rest.map(([type]) => phaseOf[type] ?? type)];
      const seen = phases.filter((phase, i) => phase !== phases[i - 1]);
      const order = ['Pending', 'Scheduled', 'Running', 'Succeeded'];
      assert.deepEqual(seen, order.slice(order.indexOf(seen[0]!)), phases.join());
      assert.ok(seen.includes('Running'), phases.join());
    },
  );

  await t.test(
    '?wait=: 200 with the finished job when it ends in time, else 202 saying where it is',
    async () => {
      const done = await request('/v1/enhancements?wait=60', json({ imageId, model: 'report-exit-0' }));
      assert.equal(done.status, 200, await done.clone().text());
      const finished = (await done.json()) as { id: string; phase: string; outputUrl: string | null };
      assert.equal(finished.phase, 'Succeeded');
      assert.equal(done.headers.get('location'), `/v1/enhancements/${finished.id}`);

      const slow = await request('/v1/enhancements?wait=1', json({ imageId, model: 'gated-report-exit-0' }));
      assert.equal(slow.status, 202, await slow.clone().text());
      const accepted = (await slow.json()) as { id: string; phase: string; url: string };
      assert.ok(['Pending', 'Scheduled', 'Running'].includes(accepted.phase), accepted.phase);
      await mkdir(path.join(modelsDir, 'gated'), { recursive: true });
      await writeFile(path.join(modelsDir, 'gated', `open-${accepted.id}`), '');
      await eventually(async () => {
        assert.equal(((await (await request(accepted.url)).json()) as { phase: string }).phase, 'Succeeded');
      }, 30_000);

      for (const bad of ['-1', '121', 'soon'])
        assert.equal(
          (await request(`/v1/enhancements?wait=${bad}`, json({ imageId, model: 'report-exit-0' }))).status,
          400,
          bad,
        );
    },
  );

  await t.test(
    'the CLI: remoteEnhance follows a job to its end; `pixelforge jobs` lists and shows',
    async () => {
      await using server = await listen(stack.app, 0, '127.0.0.1');
      const env = { ...process.env, PIXELFORGE_URL: server.url, PIXELFORGE_API_KEY: TEST_API_KEY };
      const client = await createApiClient(env);
      const updates: RemoteJob[] = [];
      const job = await remoteEnhance(
        client,
        { imageId, model: 'report-exit-0' },
        {
          onUpdate: (j) => updates.push(j),
          pollMs: 100,
          timeoutMs: 20_000,
        },
      );
      assert.equal(job.phase, 'Succeeded');
      assert.ok(updates.length >= 1);

      const run = (...args: string[]) =>
        promisify(execFile)(process.execPath, [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', 'jobs', ...args], {
          env,
        });
      const listed = JSON.parse((await run('--image', imageId, '--json')).stdout) as {
        items: { id: string }[];
      };
      assert.ok(listed.items.some((i) => i.id === job.id));
      assert.match((await run('show', job.id)).stdout, new RegExp(`^${job.id}\\s+Succeeded`));
      // A finished job's result, fetched later by id (the esrgan-slim job above).
      const dir = await mkdtemp(path.join(tmpdir(), 'pf-jobs-o-'));
      try {
        const file = path.join(dir, 'out.png');
        assert.match((await run('show', jobId, '-o', file)).stdout, /out\.png {2}192×128/);
        const meta = await sharp(file).metadata();
        assert.deepEqual([meta.format, meta.width, meta.height], ['png', 192, 128]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      await assert.rejects(run('show', 'no-such-job'), (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr, /not found/);
        return true;
      });

      // --no-wait returns once the job is accepted; the job goes on without the CLI.
      const cli = (...args: string[]) =>
        promisify(execFile)(process.execPath, [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', ...args], { env });
      const accepted = JSON.parse(
        (await cli('enhance', '--remote', imageId, '--model', 'report-exit-0', '--no-wait', '--json')).stdout,
      ) as { id: string; phase: string; url: string };
      assert.equal(accepted.phase, 'Pending');
      assert.equal(accepted.url, `/v1/enhancements/${accepted.id}`);
      await eventually(async () => {
        assert.match((await run('show', accepted.id)).stdout, new RegExp(`^${accepted.id}\\s+Succeeded`));
      }, 20_000);
      await assert.rejects(
        cli('enhance', '--remote', imageId, '--no-wait', '-o', 'x.png'),
        (err: { code: number; stderr: string }) => {
          assert.equal(err.code, 2);
          assert.match(err.stderr, /--no-wait returns before there is a result/);
          return true;
        },
      );
    },
  );
});
