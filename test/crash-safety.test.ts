// The whole local stack (`pixelforge up`, as `npm start` runs it) killed with SIGKILL — every process, the
// nats-server and the Mongo-wire server included — at a random point of a burst of writes, then started again
// on the same data: nothing that was acknowledged is lost, counted twice or left without its bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startUp } from './support/up-process.ts';
import { createFileBlobStore } from '../internal/adapters/files/file-blob-store.ts';
import { createGridFsBlobStore } from '../internal/adapters/mongo/gridfs-blob-store.ts';
import { startMongoWire } from '../internal/adapters/local-servers/mongo-wire.ts';
import { startNatsServer } from '../internal/adapters/local-servers/nats-server.ts';
import { assertRecovered, runBurst, seeded } from './support/crash-burst.ts';
import { TS_ENTRY_ARGS } from '../internal/wiring/typescript-entry.ts';

const run = promisify(execFile);

// Fixed seeds, so a failure can be run again; PIXELFORGE_CRASH_SEEDS=1,2,3 runs others.
const SEEDS = (process.env.PIXELFORGE_CRASH_SEEDS ?? '11,23,37').split(',').map(Number);
// The restarted stack sweeps orphans of more than a second (the default waits 15 minutes).
const RESTART_ENV = { PIXELFORGE_ORPHAN_BLOB_AGE_MS: '1000' };

/** `pixelforge projections verify` against the stack's servers: the read models equal a fold of the stream. */
async function assertVerified(natsUrl: string, mongoUrl: string): Promise<void> {
  const { stdout } = await run(
    process.execPath,
    [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', 'projections', 'verify'],
    {
      env: { ...process.env, NATS_URL: natsUrl, MONGO_URL: mongoUrl },
      cwd: new URL('..', import.meta.url).pathname,
    },
  ).catch((err: Error & { stdout?: string }) =>
    assert.fail(`projections verify: ${err.message}\n${err.stdout}`),
  );
  assert.match(stdout, /the read models match the stream/);
}

for (const seed of SEEDS) {
  test(`kill -9 of the whole stack during a burst loses nothing acknowledged (seed ${seed})`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'pf-crash-'));
    try {
      const first = await startUp(dataDir);
      // Kill after a random number of acknowledged operations, while requests are in flight.
      const killAfter = 40 + Math.floor(seeded(seed)() * 160);
      let killing: Promise<void> | undefined;
      const record = await runBurst(first.request, {
        seed,
        stopWhen: (r) => {
          if (r.acknowledged >= killAfter) killing ??= first.kill9();
          return false;
        },
      });
      await killing;
      assert.ok(record.acknowledged >= killAfter, `only ${record.acknowledged} operations were acknowledged`);

      const second = await startUp(dataDir, RESTART_ENV);
      try {
        const files = createFileBlobStore(join(dataDir, 'blobs'));
        await assertRecovered(second.request, second.mongoUrl, record, () => files);
        await assertVerified(second.natsUrl, second.mongoUrl);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('kill -9 of the database server while the stack runs: it comes back and nothing acknowledged is lost', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'pf-crash-db-'));
  const nats = await startNatsServer();
  const dataFile = join(dataDir, 'mongo-wire');
  let mongo = await startMongoWire({ dataFile });
  const port = Number(new URL(mongo.url).port);
  try {
    const stack = await startUp(join(dataDir, 'up'), {
      ...RESTART_ENV,
      NATS_URL: nats.url,
      MONGO_URL: `${mongo.url}/pixelforge`,
    });
    try {
      let phase: 'before' | 'down' | 'after' = 'before';
      let restarted: Promise<void> | undefined;
      let ackedAtRestart = 0;
      const record = await runBurst(stack.request, {
        seed: 5,
        giveUpMs: 30_000,
        stopWhen: (r) => {
          if (phase === 'before' && r.acknowledged >= 80) {
            phase = 'down';
            restarted = (async () => {
              process.kill(mongo.pid, 'SIGKILL');
              await new Promise((r) => setTimeout(r, 500));
              mongo = await startMongoWire({ dataFile, port });
              ackedAtRestart = r.acknowledged;
              phase = 'after';
            })();
          }
          return phase === 'after' && r.acknowledged >= ackedAtRestart + 80;
        },
      });
      await restarted;
      assert.equal(
        phase,
        'after',
        `the burst ended before the database came back: ${record.acknowledged} acknowledged`,
      );
      await assertRecovered(stack.request, `${mongo.url}/pixelforge`, record, (db) =>
        createGridFsBlobStore(db),
      );
      await assertVerified(nats.url, `${mongo.url}/pixelforge`);
    } finally {
      await stack.stop();
    }
  } finally {
    await mongo.stop();
    await nats.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
