// A lock on the data directory of `pixelforge up`: one stack per directory, and the servers of a stack
// that died without cleaning up are stopped before a new one starts (two nats-servers on one JetStream
// store directory would leave the second without JetStream).
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError } from '../../../internal/errors/errors.ts';

interface LockFile {
  pid: number;
  children: number[];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export interface DataDirLock {
  /** Records the pids of the servers started, so a later run can stop them if this one dies. */
  recordChildren(pids: number[]): Promise<void>;
  release(): Promise<void>;
}

/** Takes the lock; throws ConflictError when a live `pixelforge up` holds it. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, 'up.lock');
  const previous = await readFile(path, 'utf8')
    .then((text) => JSON.parse(text) as LockFile)
    .catch(() => null);
  if (previous && previous.pid !== process.pid && alive(previous.pid)) {
    throw new ConflictError(`another pixelforge up (pid ${previous.pid}) is using ${dataDir}; stop it first`);
  }
  for (const pid of previous?.children ?? []) {
    if (alive(pid)) process.kill(pid, 'SIGTERM');
  }
  const deadline = Date.now() + 5000;
  while ((previous?.children ?? []).some(alive) && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  const write = (children: number[]) =>
    writeFile(path, JSON.stringify({ pid: process.pid, children } satisfies LockFile));
  await write([]);
  return { recordChildren: write, release: () => rm(path, { force: true }) };
}
