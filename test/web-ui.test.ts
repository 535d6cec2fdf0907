// The web UI in a real browser (Debian's Chromium): upload through the form, see the gallery, review an image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { listen } from '../internal/wiring/ingress.ts';
import { startTestStack, TEST_API_KEY } from './support/stack.ts';
import { makeJpeg } from './support/images.ts';
import { CONSTANT_25, writeFlashVideo } from './support/av-sync.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { startDerivatives } from '../internal/wiring/derivatives.ts';
import { startController } from '../internal/wiring/controller.ts';

test('the gallery: upload, lazy images by group, review workflow', async () => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const dir = await mkdtemp(join(tmpdir(), 'pf-ui-'));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const photo = join(dir, 'sunset.jpg');
    await writeFile(photo, await makeJpeg(120, 80));
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill('#key', TEST_API_KEY);
    await page.dispatchEvent('#key', 'change');
    await page.setInputFiles('#up input[name=file]', photo);
    await page.fill('#up input[name=group]', 'Sunsets');
    await page.click('#up button');

    const figure = page.locator('section', { hasText: 'Sunsets (1)' }).locator('figure');
    await figure.waitFor({ timeout: 10_000 });
    assert.equal(await figure.locator('figcaption span').first().textContent(), 'sunset.jpg');
    assert.equal(await figure.locator('img').getAttribute('loading'), 'lazy');
    // The image really loads (bytes served with the right type).
    await page.waitForFunction(() =>
      Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0),
    );
    // The statistics are fetched after the groups are drawn: wait for them rather than read them at once.
    await page.locator('#stats', { hasText: 'new 1' }).waitFor({ timeout: 10_000 });

    await figure.locator('button', { hasText: 'review' }).click();
    await page.locator('section', { hasText: 'Sunsets' }).locator('.st.review').waitFor({ timeout: 10_000 });
    await page.locator('#stats', { hasText: 'review 1 ·' }).waitFor({ timeout: 10_000 });
    assert.match((await page.locator('#stats').textContent()) ?? '', /new 0 · review 1/);

    await page.selectOption('#status', 'accepted');
    await page.waitForFunction(() => !document.querySelector('#groups section'));
    assert.equal(await page.locator('#msg').textContent(), '');
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('videos: upload through the form, a poster on the player, upscale with frames progress', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const derivatives = await startDerivatives(stack.config, stack.conn, silentLogger);
  t.after(() => derivatives.stop());
  const controller = await startController(
    {
      ...stack.config,
      PIXELFORGE_RUNTIME: 'local',
      PIXELFORGE_NAMESPACE: 'ui-test',
      PIXELFORGE_LEADER_ELECTION: false,
      PIXELFORGE_PROGRESS_INTERVAL_MS: 0,
      PIXELFORGE_THREADS: 1,
    },
    stack.conn,
    silentLogger,
  );
  t.after(() => controller.stop());
  const dir = await mkdtemp(join(tmpdir(), 'pf-ui-video-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const clip = join(dir, 'flash.mp4');
  await writeFlashVideo(clip, CONSTANT_25);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.fill('#key', TEST_API_KEY);
  await page.dispatchEvent('#key', 'change');
  await page.setInputFiles('#up input[name=file]', clip);
  await page.click('#up button');

  const figure = page.locator('#videos figure');
  await figure.waitFor({ timeout: 10_000 });
  assert.equal(await figure.locator('.name').textContent(), 'flash.mp4');
  assert.match((await figure.locator('figcaption').textContent()) ?? '', /64×48 · 25 fps · 3\.5 s/);
  assert.equal(await figure.locator('video').getAttribute('preload'), 'none');
  // The poster arrives a moment later and the page picks it up; it is an image the browser decodes.
  await page.waitForFunction(() => document.querySelector('#videos video')?.getAttribute('poster'), null, {
    timeout: 20_000,
  });
  const poster = (await figure.locator('video').getAttribute('poster'))!;
  const decoded = await page.evaluate(async (url) => {
    const img = new Image();
    img.src = url;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, poster);
  assert.deepEqual(decoded, [64, 48]);

  await figure.locator('button', { hasText: 'Upscale ×2' }).click();
  await figure.locator('.job', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
  assert.match((await figure.locator('.job').textContent()) ?? '', /Succeeded 75\/75 frames/);
  const href = await figure.locator('.job a', { hasText: 'download' }).getAttribute('href');
  const download = await fetch(server.url + href);
  assert.equal(download.headers.get('content-type'), 'video/x-matroska');
  assert.equal(await page.locator('#msg').textContent(), '');
});

test('the API reference: Swagger UI from the ingress, authorised with a key, tries a write', async () => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) offsite.push(r.url());
    });
    await page.goto(`${server.url}/docs`);
    const create = page.locator('#operations-default-post_v1_groups');
    await create.waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('.plain').count(), 0, 'the plain list gives way to Swagger UI');

    await page.click('button.authorize');
    await page.fill('.auth-container input', TEST_API_KEY);
    await page.click('.auth-btn-wrapper button.authorize');
    await page.click('button.btn-done');

    await create.locator('.opblock-summary').click();
    await create.locator('textarea.body-param__text').fill(JSON.stringify({ name: 'From the docs' }));
    await create.locator('button.execute').click();
    const status = create.locator('.live-responses-table .response .response-col_status');
    await status.waitFor({ timeout: 10_000 });
    assert.equal((await status.textContent())?.trim(), '201');
    const body = await create
      .locator('.live-responses-table .response-col_description pre')
      .first()
      .textContent();
    const { id } = JSON.parse(body ?? '{}') as { id: string };
    assert.equal((await (await stack.request(`/v1/groups/${id}`)).json()).name, 'From the docs');
    assert.deepEqual(offsite, [], 'the reference loads nothing from elsewhere');
    if (process.env.PIXELFORGE_SCREENSHOTS)
      await page.screenshot({ path: join(process.env.PIXELFORGE_SCREENSHOTS, 'docs.png'), fullPage: false });
  } finally {
    await browser.close();
  }
});
