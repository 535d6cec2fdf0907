// `pixelforge login`, `whoami`, `keys` and `logout` against a real ingress: the CLI acts as the account it
// logged in as, renews the login when its access token ends, and keeps it where only its owner can read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listen } from '../internal/wiring/ingress.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';
import { makeJpeg, uploadForm } from './support/images.ts';
import { startTestStack } from './support/stack.ts';

const PASSWORD = 'a long enough passphrase';

test('the CLI logs in, acts as the account, renews, manages keys and logs out', async (t) => {
  await using stack = await startTestStack();
  await using server = await listen(stack.app, 0, '127.0.0.1');
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-cli-accounts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const configDir = path.join(dir, 'config');
  const credentials = path.join(configDir, 'credentials.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIXELFORGE_URL: server.url,
    PIXELFORGE_CONFIG_DIR: configDir,
    PIXELFORGE_DATA_DIR: path.join(dir, 'no-data'),
  };
  delete env.PIXELFORGE_API_KEY;
  const cli = (args: string[], input = '') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [...TS_ENTRY_ARGS, path.resolve('cmd/pixelforge/main.ts'), ...args],
        {
          cwd: dir,
          env,
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input);
    });
  const theirs = await stack.request('/v1/images', {
    method: 'POST',
    body: uploadForm(await makeJpeg(20, 20), { group: 'Operators' }),
  });
  assert.equal(theirs.status, 201);

  const anonymous = await cli(['whoami']);
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /pixelforge login/);

  const created = await cli(
    ['login', '--email', 'ana@example.com', '--create', '--password-stdin'],
    `${PASSWORD}\n`,
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /logged in to .* as ana@example\.com \(user\)/);
  assert.equal((await stat(credentials)).mode & 0o777, 0o600, 'only its owner reads the login');
  const wrong = await cli(['login', '--email', 'ana@example.com', '--password-stdin'], 'not the password\n');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /e-mail address or the password is wrong/);

  const who = await cli(['whoami']);
  assert.match(who.stdout, /^ana@example\.com \(user\) at .* with the login of ana@example\.com/);

  await writeFile(path.join(dir, 'mine.jpg'), await makeJpeg(30, 20));
  const uploaded = await cli(['upload', 'mine.jpg', '--group', 'Mine']);
  assert.equal(uploaded.code, 0, uploaded.stderr);
  const listed = await cli(['images', '--json']);
  const items = (JSON.parse(listed.stdout) as { items: { filename: string; owner: string }[] }).items;
  assert.deepEqual(
    items.map((i) => i.filename),
    ['mine.jpg'],
    "the operator's image is not the account's",
  );

  await t.test('an ended access token is renewed with the refresh token, which rotates', async () => {
    const before = JSON.parse(await readFile(credentials, 'utf8')) as Record<string, Record<string, string>>;
    before[server.url]!.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
    await writeFile(credentials, JSON.stringify(before));
    const again = await cli(['whoami']);
    assert.equal(again.code, 0, again.stderr);
    const after = JSON.parse(await readFile(credentials, 'utf8')) as typeof before;
    assert.notEqual(after[server.url]!.refreshToken, before[server.url]!.refreshToken);
  });

  await t.test('keys: create (shown once), list, revoke', async () => {
    const made = await cli([
      'keys',
      'create',
      'camera',
      '--scope',
      'images:write',
      '--scope',
      'read',
      '--json',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const key = JSON.parse(made.stdout) as { id: string; key: string };
    assert.match(key.key, /^pfk_/);
    const list = await cli(['keys']);
    assert.match(list.stdout, new RegExp(`${key.id}  camera  \\[images:write read\\]`));
    assert.doesNotMatch(list.stdout, /pfk_/);
    assert.equal((await cli(['keys', 'revoke', key.id])).code, 0);
    assert.match((await cli(['keys'])).stdout, /no keys yet/);
    const bad = await cli(['keys', 'create', 'x']);
    assert.equal(bad.code, 2);
  });

  const out = await cli(['logout']);
  assert.equal(out.code, 0, out.stderr);
  assert.deepEqual(JSON.parse(await readFile(credentials, 'utf8')), {});
  assert.equal((await cli(['whoami'])).code, 1, 'logged out');
});
