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
