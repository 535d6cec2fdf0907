// The long-running processes as an operator meets them: `--help`, a bad setting, a server that is down, and a
// normal start against real servers that stops cleanly on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startMongoWire } from '../internal/adapters/local-servers/mongo-wire.ts';
import { startNatsServer } from '../internal/adapters/local-servers/nats-server.ts';
import { freePort } from '../internal/adapters/local-servers/free-port.ts';
import { waitForLine } from '../internal/adapters/local-servers/process.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';

const PROCESSES = ['ingress', 'projector', 'controller'] as const;

/** Runs `cmd/<name>/main.ts` to its end; `env` replaces the configuration variables. */
async function run(name: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [...TS_ENTRY_ARGS, `cmd/${name}/main.ts`, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

test('process start-up', async (t) => {
  await t.test('--help names the process and every variable it reads, with its default', async () => {
    for (const name of PROCESSES) {
      const { code, stdout } = await run(name, ['--help']);
      assert.equal(code, 0, name);
      assert.match(stdout, new RegExp(`^Usage: node cmd/${name}/main.ts`));
      assert.match(stdout, /NATS_URL\s+nats:\/\/127\.0\.0\.1:4222/);
    }
    const { stdout } = await run('controller', ['--help']);
    assert.match(stdout, /PIXELFORGE_MAX_RUNNING_JOBS\s+2\n/);
    assert.match(stdout, /PIXELFORGE_WORKER_TOLERATIONS\s+\[\]\n/, 'JSON variables are shown as JSON');
  });

  await t.test('an unknown argument or a bad setting: one line naming it, exit 2', async () => {
    const extra = await run('ingress', ['--port=1']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /^ingress: unexpected arguments --port=1 \(see --help\)\n$/);
    const bad = await run('projector', [], { MONGO_URL: 'postgres://x' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^projector: invalid configuration:\n {2}MONGO_URL: must be a mongodb:\/\//);
  });

  await t.test('a server that is down: a one-line error naming it, exit 1, no stack trace', async () => {
    const closed = `nats://127.0.0.1:${await freePort()}`;
    for (const name of PROCESSES) {
      const { code, stdout, stderr } = await run(name, [], { NATS_URL: closed });
      assert.equal(code, 1, name);
      const lines = (stdout + stderr).trim().split('\n');
      assert.equal(lines.length, 1, `${name} printed:\n${stdout + stderr}`);
      const entry = JSON.parse(lines[0]!) as { level: string; msg: string; process: string; code: string };
      assert.equal(entry.level, 'error');
      assert.equal(entry.process, name);
      assert.equal(entry.code, 'unavailable');
      assert.equal(entry.msg, `cannot start: cannot reach NATS at ${closed}: connection refused`);
    }
  });

  await t.test('with its servers up it starts, and SIGTERM stops it with exit 0', async () => {
    await using nats = await startNatsServer();
    await using mongo = await startMongoWire();
    const child = spawn(process.execPath, [...TS_ENTRY_ARGS, 'cmd/projector/main.ts'], {
      env: {
        PATH: process.env.PATH,
        NATS_URL: nats.url,
        MONGO_URL: mongo.url,
        PIXELFORGE_HEALTH_PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForLine(child, /projector running/, 30_000, 'projector');
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
  });
});
