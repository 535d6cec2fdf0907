// The web UI in a real browser (Debian's Chromium) against a real stack: drag-and-drop upload with progress,
// the gallery and review, the image page (before/after, edit, enhance with live progress, delete), the jobs
// page with cancel, the statistics chart, a 390 px layout, and the API reference. PIXELFORGE_SCREENSHOTS=<dir>
// keeps a screenshot of each page there, to look at.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { listen } from '../internal/wiring/ingress.ts';
import { startTestStack, TEST_API_KEY, type TestStack } from './support/stack.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { CONSTANT_25, writeFlashVideo } from './support/av-sync.ts';
import { silentLogger } from '../internal/telemetry/logger.ts';
import { startDerivatives } from '../internal/wiring/derivatives.ts';
import { startController } from '../internal/wiring/controller.ts';
import { tsEntryCommand } from '../internal/wiring/typescript-entry.ts';
import { modelsWithFakes } from './support/fake-models.ts';
import { eventually } from './support/eventually.ts';
import type { Config } from '../internal/config/config.ts';

async function launch(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  t.after(() => browser.close());
  return browser;
}

/** Fails the test on any error the page's scripts throw or log. */
function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Failed requests are logged by the browser itself; the tests check those answers where they expect them.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  return errors;
}

/** The URLs the page requests from anywhere but `origin` (data: URLs are not requests). */
function offsiteRequests(page: Page, origin: string): string[] {
  const offsite: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:')) offsite.push(r.url());
  });
  return offsite;
}

async function screenshot(page: Page, name: string) {
  if (process.env.PIXELFORGE_SCREENSHOTS)
    await page.screenshot({ path: join(process.env.PIXELFORGE_SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Logs the page in with the test's operator key, through the login page's key form. */
async function withKey(page: Page) {
  await page.locator('.login .key summary').click();
  await page.locator('#key').fill(TEST_API_KEY);
  await page.locator('#key-login button[type=submit]').click();
  await page.locator('header .user').waitFor();
}

const withKeyHeader = { headers: { 'x-api-key': TEST_API_KEY } };

async function uploadImage(stack: TestStack, group: string, name: string, bytes: Buffer) {
  const res = await stack.request('/v1/images', { method: 'POST', body: uploadForm(bytes, { group }, name) });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string; seq: number };
}

function localController(stack: TestStack, extra: Partial<Config> = {}) {
  return startController(
    {
      ...stack.config,
      PIXELFORGE_RUNTIME: 'local',
      PIXELFORGE_NAMESPACE: `ui-${Math.random().toString(36).slice(2, 8)}`,
      PIXELFORGE_LEADER_ELECTION: false,
      PIXELFORGE_PROGRESS_INTERVAL_MS: 0,
      PIXELFORGE_THREADS: 1,
      ...extra,
    },
    stack.conn,
    silentLogger,
  );
}

test('the gallery: drag-and-drop of several files with progress each, groups, review, errors that clear', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const empty = await stack.request('/v1/groups', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Nothing here yet' }),
  });
  assert.equal(empty.status, 201);
  const browser = await launch(t);
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(server.url);
  // Logged out, the login page says where a key comes from.
  assert.match((await page.locator('.login .key').textContent()) ?? '', /npm start.*admin\.key/s);
  await withKey(page);
  await page.fill('#up input[name=group]', 'Sunsets');
  await page.fill('#up input[name=uploader]', 'ana');
  await page.fill('#up input[name=tags]', 'beach, evening');

  // Two photos, a file too large for the limit (refused before it is sent), and text named .jpg (refused by
  // the server's type check): dropped together on the drop zone.
  const photos = [await makeJpeg(120, 80), await makeJpeg(90, 60)];
  const drop = await page.evaluateHandle(
    ([a, b]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(a!)], 'sunset.jpg', { type: 'image/jpeg' }));
      transfer.items.add(new File([new Uint8Array(b!)], 'dusk.jpg', { type: 'image/jpeg' }));
      transfer.items.add(new File([new Uint8Array(26 * 1024 * 1024)], 'huge.jpg', { type: 'image/jpeg' }));
      transfer.items.add(new File(['<html>not a photo</html>'], 'fake.jpg', { type: 'image/jpeg' }));
      return transfer;
    },
    photos.map((p) => [...p]),
  );
  await page.dispatchEvent('.drop', 'drop', { dataTransfer: drop });
  const rows = page.locator('.sending li');
  await page.locator('.sending li.done').nth(1).waitFor({ timeout: 15_000 });
  await page.locator('.sending li.failed').nth(1).waitFor({ timeout: 15_000 });
  assert.equal(await rows.count(), 4);
  assert.match((await rows.nth(2).textContent()) ?? '', /huge\.jpg.*too large: 26 MiB \(limit 25 MiB\)/);
  assert.match(
    (await rows.nth(3).textContent()) ?? '',
    /fake\.jpg.*the file is not a JPEG, PNG, GIF, WebP or AVIF image/,
  );
  assert.deepEqual(
    await page
      .locator('.sending li.done progress')
      .evaluateAll((ps) => ps.map((p) => (p as HTMLProgressElement).value)),
    [1, 1],
  );
  assert.match((await page.locator('#msg').textContent()) ?? '', /2 of 4 uploads failed/);

  const group = page.locator('section.group', { hasText: 'Sunsets' });
  await group.locator('figure').nth(1).waitFor({ timeout: 10_000 });
  assert.match((await group.locator('h3').textContent()) ?? '', /Sunsets \(2\)/);
  assert.equal(await group.locator('img').first().getAttribute('loading'), 'lazy');
  assert.deepEqual(
    (await group.locator('img').evaluateAll((is) => is.map((i) => (i as HTMLImageElement).alt))).sort(),
    ['dusk.jpg', 'sunset.jpg'],
  );
  await page.waitForFunction(() =>
    Array.from(document.images).every((i) => i.complete && i.naturalWidth > 0),
  );
  // The empty group does not crowd the top: it is listed, folded, below the others.
  assert.equal(await page.locator('#groups section.group', { hasText: 'Nothing here yet' }).count(), 0);
  assert.match((await page.locator('.empty-groups summary').textContent()) ?? '', /1 empty group/);
  await screenshot(page, 'gallery');

  // A later action that succeeds clears the error line.
  await group.locator('figure', { hasText: 'sunset.jpg' }).locator('button', { hasText: 'review' }).click();
  await group
    .locator('figure', { hasText: 'sunset.jpg' })
    .locator('.badge.review')
    .waitFor({ timeout: 10_000 });
  assert.equal((await page.locator('#msg').textContent())?.trim(), '');

  await page.selectOption('#status', 'accepted');
  await page.locator('#groups .empty', { hasText: 'No images are accepted' }).waitFor();

  // The uploads carried the form's uploader and tags.
  const listed = (await (await stack.request('/v1/images?group=Sunsets')).json()) as {
    items: { uploader: string; tags: string[] }[];
  };
  assert.deepEqual(
    listed.items.map((i) => [i.uploader, i.tags]),
    [
      ['ana', ['beach', 'evening']],
      ['ana', ['beach', 'evening']],
    ],
  );

  // The statistics page draws the day's counts as a chart, with the numbers in a table.
  await page.goto(`${server.url}/#/stats`);
  await page.locator('.chart rect.bar').first().waitFor({ timeout: 10_000 });
  assert.match((await page.locator('#stats').textContent()) ?? '', /new\s*1.*review\s*1/s);
  assert.equal(await page.locator('.per-day tbody tr').count(), 30);
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(await page.locator('.per-day tbody tr').first().locator('th, td').allTextContents(), [
    today,
    '1',
    '1',
    '0',
    '0',
  ]);
  assert.equal(await page.locator('.chart rect.bar.new').count(), 1);
  assert.equal(await page.locator('.chart rect.bar.review').count(), 1);
  await screenshot(page, 'statistics');
  assert.deepEqual(errors, []);
});

test('the image page: before/after, edit, enhance with live progress, review, delete; the jobs page cancels', async (t) => {
  const modelsDir = await modelsWithFakes(t, ['sleep']);
  await using stack = await startTestStack({ env: { PIXELFORGE_MODELS_DIR: modelsDir } });
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const derivatives = await startDerivatives(stack.config, stack.conn, silentLogger);
  t.after(() => derivatives.stop());
  let controller = await localController(stack);
  t.after(() => controller.stop());
  const photo = await uploadImage(stack, 'Cats', 'cat.jpg', await makeJpeg(64, 48));

  const browser = await launch(t);
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchConsole(page);
  await page.goto(server.url);
  await withKey(page);
  await page.goto(`${server.url}/#/images/${photo.id}`);
  await page.locator('h1', { hasText: 'cat.jpg' }).waitFor({ timeout: 10_000 });
  // The WebP rendition arrives from the derivatives consumer; reload until the slider compares with it.
  await page.waitForFunction(
    async (id) => {
      const image = (await (await fetch(`/v1/images/${id}`)).json()) as { variants: unknown[] };
      return image.variants.length > 0;
    },
    photo.id,
    { timeout: 20_000 },
  );
  await page.reload();
  await page.locator('.compare img.before').waitFor();
  assert.match((await page.locator('.compare img.after').getAttribute('alt')) ?? '', /WebP/);
  await page.locator('.slider input').fill('20');
  assert.match(
    (await page.locator('.compare img.before').getAttribute('style')) ?? '',
    /inset\(0(px)? 80% 0(px)? 0(px)?\)/,
  );

  // Edit the metadata.
  await page.fill('.edit input[name=uploader]', 'bo');
  await page.fill('.edit input[name=tags]', 'cat, indoor');
  await page.click('.edit button');
  await page.locator('#msg', { hasText: 'Saved.' }).waitFor();
  await eventually(async () => {
    const saved = (await (await stack.request(`/v1/images/${photo.id}`)).json()) as {
      uploader: string;
      tags: string[];
    };
    assert.deepEqual([saved.uploader, saved.tags], ['bo', ['cat', 'indoor']]);
  }, 10_000);

  // Enhance ×2 with the real worker; record every phase and progress text the page shows.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { seen: string[] }).seen = seen;
    new MutationObserver(() => {
      const live = document.querySelector('.job-live');
      const text = live
        ? `${live.querySelector('.phase')?.textContent} ${live.querySelector('.progress-text')?.textContent ?? ''}`.trim()
        : '';
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.selectOption('.enhance select[name=model]', 'esrgan-slim');
  await page.selectOption('.enhance select[name=scale]', '2');
  await page.selectOption('.enhance select[name=format]', 'png');
  assert.equal((await page.locator('.enhance button').textContent())?.trim(), 'Enhance to 128×96');
  await page.click('.enhance button');
  await page.locator('.job-live .phase', { hasText: 'Succeeded' }).waitFor({ timeout: 90_000 });
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  const phases = seen.map((s) => s.split(' ')[0]);
  assert.ok(phases.includes('Running'), `the page showed Running: ${seen.join(' | ')}`);
  assert.ok(
    seen.some((s) => /^Running \d+\/\d+ tiles$/.test(s)),
    `the page showed tile progress: ${seen.join(' | ')}`,
  );
  assert.equal(phases.at(-1), 'Succeeded');
  // The result becomes the compared variant and a download.
  await page.locator('.compare img.after[alt*="enhanced"]').waitFor({ timeout: 10_000 });
  const link = page.locator('.variants a[type="image/png"]');
  assert.equal(await link.getAttribute('aria-label'), 'Download esrgan-slim ×2');
  assert.match((await link.getAttribute('download')) ?? '', /^cat-enhanced-.+\.png$/);
  const output = await fetch(server.url + (await link.getAttribute('href')), withKeyHeader);
  const meta = await sharp(Buffer.from(await output.arrayBuffer())).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 96]);
  await screenshot(page, 'image');

  // Review, then back to new.
  await page.click('.actions button:text("Move to accepted")');
  await page.locator('.meta .badge.accepted').waitFor({ timeout: 10_000 });
  await page.click('.actions button:text("Back to new")');
  await page.locator('.meta .badge.new').waitFor({ timeout: 10_000 });

  // The jobs page: the finished job with its duration, and a job that never ends, cancelled from the page.
  await controller.stop();
  controller = await localController(stack, {
    PIXELFORGE_LOCAL_WORKER_COMMAND: tsEntryCommand('test/support/fake-worker.ts'),
  });
  const sleeper = (await (
    await stack.request('/v1/enhancements', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ imageId: photo.id, model: 'sleep' }),
    })
  ).json()) as { id: string };
  await page.goto(`${server.url}/#/jobs`);
  const row = page.locator('table.jobs tr', { hasText: sleeper.id });
  await row.locator('.phase', { hasText: 'Running' }).waitFor({ timeout: 45_000 });
  await screenshot(page, 'jobs');
  await row.locator('button', { hasText: 'Cancel' }).click();
  await row.locator('.phase', { hasText: 'Cancelled' }).waitFor({ timeout: 30_000 });
  const finished = page.locator('table.jobs tr', { hasText: 'esrgan-slim' });
  assert.match((await finished.textContent()) ?? '', /Succeeded.*\d+\.\d s on cpu/);
  assert.match((await finished.locator('td[title]').getAttribute('title')) ?? '', /\(\d+ threads\)$/);

  // Delete from the image page: back to the gallery, and the image is gone.
  page.once('dialog', (d) => void d.accept());
  await page.goto(`${server.url}/#/images/${photo.id}`);
  await page.locator('h1', { hasText: 'cat.jpg' }).waitFor({ timeout: 10_000 });
  await page.click('.actions button.danger');
  await page.waitForURL(/#\/$/);
  await page.locator('#groups .empty', { hasText: 'No images yet' }).waitFor({ timeout: 10_000 });
  await eventually(
    async () => assert.equal((await stack.request(`/v1/images/${photo.id}`)).status, 404),
    10_000,
  );
  assert.deepEqual(errors, []);
});

test('a 390 px phone: nothing is wider than the screen, every control has a name', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const photo = await uploadImage(
    stack,
    'Phone',
    'wide-image-name-that-goes-on-and-on.jpg',
    await makeJpeg(300, 100),
  );
  const browser = await launch(t);
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  const errors = watchConsole(page);
  await page.goto(server.url);
  await page.locator('.login').waitFor();
  let loggedIn = false;
  for (const [name, path] of [
    ['phone-login', '/'],
    ['phone-gallery', '/'],
    ['phone-image', `/#/images/${photo.id}`],
    ['phone-jobs', '/#/jobs'],
    ['phone-stats', '/#/stats'],
  ] as const) {
    if (name !== 'phone-login' && !loggedIn) {
      await withKey(page);
      loggedIn = true;
    }
    await page.goto(server.url + path);
    await page.waitForLoadState('networkidle');
    await page.locator('main > *').first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${path} is ${width} px wide`);
    // Every button, input and select has an accessible name; every image an alt text.
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, input, select, img')).flatMap((el) => {
        if (el instanceof HTMLImageElement) return el.alt ? [] : [el.outerHTML];
        if (el instanceof HTMLInputElement && el.type === 'file') return [];
        const labelled =
          el.getAttribute('aria-label') ||
          (el as HTMLInputElement).labels?.length ||
          (el.tagName === 'BUTTON' && el.textContent?.trim());
        return labelled ? [] : [el.outerHTML.slice(0, 120)];
      }),
    );
    assert.deepEqual(unnamed, [], `${path}: controls without a name`);
    await screenshot(page, name);
  }
  // The keyboard reaches the navigation first.
  await page.goto(server.url);
  await page.locator('header .user').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Pixelforge');
  assert.deepEqual(errors, []);
});

test('videos: upload through the form, a poster on the player, upscale with frames progress', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const derivatives = await startDerivatives(stack.config, stack.conn, silentLogger);
  t.after(() => derivatives.stop());
  const controller = await localController(stack);
  t.after(() => controller.stop());
  const dir = await mkdtemp(join(tmpdir(), 'pf-ui-video-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const clip = join(dir, 'flash.mp4');
  await writeFlashVideo(clip, CONSTANT_25);
  const browser = await launch(t);
  const page = await browser.newPage();
  await page.goto(server.url);
  await withKey(page);
  await page.setInputFiles('#up input[name=file]', clip);
  await page.click('#up button[type=submit]');

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
  await figure.locator('.job .phase', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
  assert.match((await figure.locator('.job').textContent()) ?? '', /Succeeded 75\/75 frames/);
  const href = await figure.locator('.job a', { hasText: 'download' }).getAttribute('href');
  const download = await fetch(server.url + href, withKeyHeader);
  assert.equal(download.headers.get('content-type'), 'video/x-matroska');
  assert.equal(await page.locator('#msg.error').count(), 0);
});

test('the API reference: Swagger UI from the ingress, authorised with a key, tries a write', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const browser = await launch(t);
  const page = await browser.newPage();
  const offsite = offsiteRequests(page, server.url);
  await page.goto(`${server.url}/docs`);
  const create = page.locator('#operations-Groups-post_v1_groups');
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
  await screenshot(page, 'docs');
});

test('accounts in the browser: create one, upload, log out and in; no script can read the session', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const other = await uploadImage(stack, 'Operators', 'not-yours.jpg', await makeJpeg(40, 30));
  const browser = await launch(t);
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(server.url);
  await page.click('.login button.link');
  await page.fill('#email', 'ana@example.com');
  await page.fill('#password', 'short');
  await page.click('#login button[type=submit]');
  // The browser's own check stops a short password before it is sent; the server's sentence covers the rest.
  assert.equal(await page.locator('header .user').count(), 0);
  await page.fill('#password', 'ana@example.com');
  await page.click('#login button[type=submit]');
  await page.locator('#login-error', { hasText: 'e-mail' }).waitFor({ timeout: 10_000 });
  await page.fill('#password', 'a long enough passphrase');
  await page.click('#login button[type=submit]');
  await page.locator('header .user', { hasText: 'ana@example.com · user' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'logged-in');

  await page.fill('#up input[name=group]', 'Mine');
  await page.setInputFiles('#up input[name=file]', {
    name: 'mine.jpg',
    mimeType: 'image/jpeg',
    buffer: await makeJpeg(50, 40),
  });
  await page.click('#up button[type=submit]');
  await page.locator('#groups figure', { hasText: 'mine.jpg' }).waitFor({ timeout: 10_000 });
  assert.equal(
    await page.locator('#groups', { hasText: 'not-yours.jpg' }).count(),
    0,
    "others' images stay hidden",
  );
  const direct = await page.evaluate(async (id) => (await fetch(`/v1/images/${id}`)).status, other.id);
  assert.equal(direct, 404, "another's image by id is not found");
  const exposed = await page.evaluate(() => ({
    cookies: document.cookie,
    stored: Object.keys(localStorage).length + Object.keys(sessionStorage).length,
  }));
  assert.deepEqual(exposed, { cookies: '', stored: 0 }, 'the session is in HttpOnly cookies only');

  await page.click('header .user button');
  await page.locator('.login').waitFor();
  assert.equal(
    await page.evaluate(async () => (await fetch('/v1/images')).status),
    401,
    'logged out for real',
  );
  await page.fill('#email', 'ana@example.com');
  await page.fill('#password', 'a long enough passphrase');
  await page.click('#login button[type=submit]');
  await page.locator('#groups figure', { hasText: 'mine.jpg' }).waitFor({ timeout: 10_000 });
  assert.deepEqual(errors, []);
});

test('the UI loads nothing from elsewhere, and its assets revalidate by ETag', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const browser = await launch(t);
  const page = await browser.newPage();
  const offsite = offsiteRequests(page, server.url);
  await page.goto(server.url);
  await page.locator('header .brand').waitFor();
  assert.deepEqual(offsite, []);
  const first = await fetch(`${server.url}/ui/main.ts`);
  assert.equal(first.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.doesNotMatch(await first.text(), /: Route\b|interface /, 'types are stripped');
  const again = await fetch(`${server.url}/ui/main.ts`, {
    headers: { 'if-none-match': first.headers.get('etag')! },
  });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${server.url}/ui/nope.ts`)).status, 404);
  assert.equal((await fetch(`${server.url}/ui/../package.json`)).status, 404);
});
