// The WebP derivative of uploads, through the real stack: variant added, skipped, dead-lettered, orphan removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { STREAMS } from '../internal/events/catalog.ts';
import { newId } from '../internal/ids/ids.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { WEBP_DERIVATIVE_CONSUMER, webpBlobKey } from '../internal/derivatives/webp-derivative.ts';
import { startDerivatives } from '../internal/wiring/derivatives.ts';
import { startTestStack, type TestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { eventually } from './support/eventually.ts';
import { stopProcess, waitForLine } from '../internal/adapters/local-servers/process.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';

interface ImageBody {
  variants: { name: string; kind: string; url: string; width: number; height: number }[];
}

async function upload(stack: TestStack, file: Buffer, name = 'photo.jpg'): Promise<string> {
  const res = await stack.request('/v1/images', {
    method: 'POST',
    body: uploadForm(file, { group: 'd' }, name),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { id: string }).id;
}

/** Publishes an upload event for bytes stored directly, bypassing the ingress' checks. */
async function publishUpload(stack: TestStack, bytes: Buffer | null): Promise<string> {
  const imageId = newId();
  const sha256 = '0'.repeat(64);
  if (bytes) await stack.conn.blobs.put(Readable.from([bytes]), { key: imageId, contentType: 'image/jpeg' });
  await createNatsPublisher(stack.conn.bus.js, { source: 'test' }).publish('pf.image.uploaded', imageId, {
    imageId,
    groupId: 'G-DERIVATIVES',
    groupName: 'derivatives',
    filename: 'x.jpg',
    contentType: 'image/jpeg',
    size: bytes?.length ?? 10,
    width: 10,
    height: 10,
    sha256,
    blobKey: imageId,
  });
  return imageId;
}

/** The dead letters of the derivatives consumer: original subject and reason. */
async function deadLetters(stack: TestStack) {
  const { jsm } = stack.conn.bus;
  const last = (await jsm.streams.info(STREAMS.deadLetters.name)).state.last_seq;
  const found: { reason: string; subject: string }[] = [];
  for (let seq = 1; seq <= last; seq++) {
    const message = await jsm.streams.getMessage(STREAMS.deadLetters.name, { seq }).catch(() => null);
    if (message?.subject !== `pfdlq.${WEBP_DERIVATIVE_CONSUMER}`) continue;
    found.push({
      reason: message.header.get('Pixelforge-Dead-Letter-Reason'),
      subject: message.header.get('Pixelforge-Original-Subject'),
    });
  }
  return found;
}

test('WebP derivatives of uploads', async (t) => {
  await using stack = await startTestStack();
  const derivatives = await startDerivatives(stack.config, stack.conn, silentLogger);
  t.after(() => derivatives.stop());

  await t.test('an upload gets a `webp` variant that decodes at the same size', async () => {
    const imageId = await upload(stack, await makeJpeg(64, 48));
    const variant = await eventually(async () => {
      const image = (await (await stack.request(`/v1/images/${imageId}`)).json()) as ImageBody;
      const found = image.variants.find((v) => v.name === 'webp');
      assert.ok(found, 'no webp variant yet');
      return found;
    }, 10_000);
    assert.equal(variant.kind, 'derivative');
    const res = await stack.request(variant.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/webp');
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 64, 48]);
  });

  await t.test('a WebP upload gets none', async () => {
    const webp = await sharp(await makeJpeg(32, 32))
      .webp()
      .toBuffer();
    const imageId = await upload(stack, webp, 'photo.webp');
    const jpegId = await upload(stack, await makeJpeg(32, 32));
    // The JPEG uploaded after it is converted first or together (concurrency 2): by then the WebP was seen.
    await eventually(async () => assert.ok(await stack.conn.blobs.stat(webpBlobKey(jpegId))), 10_000);
    await eventually(async () => {
      const info = await stack.conn.bus.jsm.consumers.info(STREAMS.images.name, WEBP_DERIVATIVE_CONSUMER);
      assert.equal(info.num_pending + info.num_ack_pending, 0);
    });
    assert.equal(await stack.conn.blobs.stat(webpBlobKey(imageId)), null);
  });

  await t.test('a corrupt image is dead-lettered with the reason, and nothing is stored', async () => {
    const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 0x42)]);
    const imageId = await publishUpload(stack, garbage);
    const letter = await eventually(async () => {
      const found = (await deadLetters(stack)).find((l) => l.reason.includes(imageId));
      assert.ok(found, 'not dead-lettered yet');
      return found;
    }, 10_000);
    assert.equal(letter.subject, 'pf.image.uploaded');
    assert.match(letter.reason, /could not be decoded/);
    assert.equal(await stack.conn.blobs.stat(webpBlobKey(imageId)), null);
  });

  await t.test('an image deleted before conversion is acknowledged and leaves no blob', async () => {
    const imageId = await publishUpload(stack, null);
    await eventually(async () => {
      const info = await stack.conn.bus.jsm.consumers.info(STREAMS.images.name, WEBP_DERIVATIVE_CONSUMER);
      assert.equal(info.num_pending + info.num_ack_pending, 0);
    }, 10_000);
    assert.equal(await stack.conn.blobs.stat(webpBlobKey(imageId)), null);
    assert.ok(!(await deadLetters(stack)).some((l) => l.reason.includes(imageId)));
  });
});

test('`cmd/worker/main.ts derivatives` makes derivatives as its own process and stops on SIGTERM', async () => {
  await using stack = await startTestStack();
  const child = spawn(process.execPath, [...TS_ENTRY_ARGS, 'cmd/worker/main.ts', 'derivatives'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      NATS_URL: stack.config.NATS_URL,
      MONGO_URL: stack.config.MONGO_URL,
      MONGO_DB: stack.config.MONGO_DB,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForLine(child, /derivatives running/, 20_000, 'the derivatives process');
    const imageId = await upload(stack, await makeJpeg(40, 30));
    await eventually(async () => {
      const image = (await (await stack.request(`/v1/images/${imageId}`)).json()) as ImageBody;
      assert.ok(image.variants.some((v) => v.name === 'webp' && v.width === 40));
    }, 10_000);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await stopProcess(child);
    assert.equal(await exited, 0);
  }
});
