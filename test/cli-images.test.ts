// `pixelforge images` against a real ingress, NATS and Mongo-wire server: the review workflow without curl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listen } from '../internal/wiring/ingress.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';
import { eventually } from './support/eventually.ts';
import { TEST_API_KEY, startTestStack } from './support/stack.ts';
import { makeJpeg, makePng } from './support/images.ts';

/** Runs `pixelforge` in `dir` against the ingress at `url`, with the test key; resolves with what it did. */
const cliFor =
  (url: string, dir: string) =>
  (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [...TS_ENTRY_ARGS, path.resolve('cmd/pixelforge/main.ts'), ...args],
        { cwd: dir, env: { ...process.env, PIXELFORGE_URL: url, PIXELFORGE_API_KEY: TEST_API_KEY } },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
      ),
    );

test('pixelforge images: list, show, status, tag, download, delete', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-cli-images-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cli = cliFor(server.url, dir);
  const jpeg = await makeJpeg(64, 48);
  await writeFile(path.join(dir, 'cat.jpg'), jpeg);
  await writeFile(path.join(dir, 'dog.png'), await makePng(32, 32));
  const uploaded = await cli('upload', 'cat.jpg', 'dog.png', '--group', 'Pets', '--tags', 'fur');
  assert.equal(uploaded.code, 0, uploaded.stderr);
  const [catId, dogId] = uploaded.stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t')[1]!);
  assert.match(catId!, /^[0-9A-Z]{26}$/);

  await t.test('list: by group name and status, as text and as JSON', async () => {
    const listed = await eventually(async () => {
      const result = await cli('images', '--group', 'Pets', '--json');
      assert.equal(result.code, 0, result.stderr);
      const page = JSON.parse(result.stdout) as { items: { id: string }[] };
      assert.equal(page.items.length, 2);
      return page;
    }, 10_000);
    assert.deepEqual(new Set(listed.items.map((i) => i.id)), new Set([catId, dogId]));
    const text = await cli('images', 'list', '--group', 'Pets', '--status', 'new');
    assert.match(text.stdout, new RegExp(`${catId}  new       64×48  \\d+ KiB  Pets  cat\\.jpg  \\[fur\\]`));
    const bad = await cli('images', '--status', 'approved');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--status must be one of new, review, accepted, deleted, got "approved"/);
  });

  await t.test('status moves an image through review; show says so', async () => {
    const moved = await cli('images', 'status', catId!, 'accepted');
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal(moved.stdout, `${catId}  accepted\n`);
    const shown = await cli('images', 'show', catId!, '--json');
    assert.equal(JSON.parse(shown.stdout).status, 'accepted');
    const wrong = await cli('images', 'status', catId!, 'done');
    assert.equal(wrong.code, 2);
    const missing = await cli('images', 'status', catId!);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /give the new status/);
  });

  await t.test('tag replaces tags and uploader', async () => {
    const tagged = await cli('images', 'tag', catId!, '--tags', 'cat, sofa', '--uploader', 'ana');
    assert.equal(tagged.code, 0, tagged.stderr);
    const image = JSON.parse((await cli('images', 'show', catId!, '--json')).stdout);
    assert.deepEqual([image.tags, image.uploader], [['cat', 'sofa'], 'ana']);
    const nothing = await cli('images', 'tag', catId!);
    assert.equal(nothing.code, 2);
  });

  await t.test('download: the original under its name, never over a file unless --force', async () => {
    await rm(path.join(dir, 'cat.jpg'));
    const first = await cli('images', 'download', catId!);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(await readFile(path.join(dir, 'cat.jpg')), jpeg);
    await writeFile(path.join(dir, 'other.jpg'), 'keep me');
    const kept = await cli('images', 'download', catId!, '-o', 'other.jpg');
    assert.equal(kept.code, 1);
    assert.match(kept.stderr, /other\.jpg exists; pass --force to replace it/);
    assert.equal(await readFile(path.join(dir, 'other.jpg'), 'utf8'), 'keep me');
    const forced = await cli('images', 'download', catId!, '-o', 'other.jpg', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(await readFile(path.join(dir, 'other.jpg')), jpeg);
    const noVariant = await cli('images', 'download', catId!, '--variant', 'huge');
    assert.equal(noVariant.code, 2);
    assert.match(noVariant.stderr, /has no variant "huge"/);
  });

  await t.test('delete, then the id is unknown (exit 1, said in a sentence)', async () => {
    const deleted = await cli('images', 'delete', dogId!);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await cli('images', 'show', dogId!);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /not_found/);
    const none = await cli('images', 'show');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /needs an image id/);
  });
});

test('pixelforge upload --json and stats --daily', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-cli-upload-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cli = cliFor(server.url, dir);
  await writeFile(path.join(dir, 'cat.jpg'), await makeJpeg(64, 48));
  await writeFile(path.join(dir, 'notes.jpg'), 'not a photo');
  const uploaded = await cli('upload', 'cat.jpg', 'notes.jpg', '--group', 'Pets', '--json');
  assert.equal(uploaded.code, 1, 'one file was refused');
  const lines = uploaded.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { file: string; id?: string; width?: number; error?: string });
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.file, 'cat.jpg');
  assert.match(lines[0]!.id!, /^[0-9A-Z]{26}$/);
  assert.equal(lines[0]!.width, 64);
  assert.equal(lines[1]!.file, 'notes.jpg');
  assert.match(lines[1]!.error!, /not a JPEG, PNG, GIF, WebP or AVIF image/);

  const daily = await eventually(async () => {
    const result = await cli('stats', '--daily', '--days', '7', '--json');
    assert.equal(result.code, 0, result.stderr);
    const body = JSON.parse(result.stdout) as { days: { day: string; new: number }[] };
    assert.equal(body.days.at(-1)!.new, 1);
    return body;
  }, 10_000);
  assert.equal(daily.days.length, 7);
  assert.equal(daily.days.at(-1)!.day, new Date().toISOString().slice(0, 10));
  const text = await cli('stats', '--daily', '--days', '3');
  assert.equal(text.code, 0, text.stderr);
  const rows = text.stdout.trim().split('\n');
  assert.equal(rows.length, 5, text.stdout);
  assert.match(rows[3]!, /^\d{4}-\d\d-\d\d\s+1\s+0\s+0\s+0\s+n+$/);
  const tooMany = await cli('stats', '--daily', '--days', '400');
  assert.equal(tooMany.code, 2);
  assert.match(tooMany.stderr, /--days must be from 1 to 366, got 400/);
});
