// Runs `pixelforge up` (what `npm start` runs) as its own process group, the way a user runs it, so a test can
// SIGKILL the whole stack — the nats-server and the Mongo-wire server included — and start it again.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../internal/adapters/local-servers/free-port.ts';
import { waitForLine } from '../../internal/adapters/local-servers/process.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface UpProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  key: string;
  mongoUrl: string;
  natsUrl: string;
  /** `fetch` against the stack with the admin key. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** SIGKILL to every process of the stack at once; resolves when all of them are gone. */
  kill9(): Promise<void>;
  /** SIGTERM to `up`, which stops its servers; resolves when every process is gone. */
  stop(): Promise<void>;
  /** SIGINT to the process group, as Ctrl-C in a terminal; resolves with up's exit code once all are gone. */
  interrupt(): Promise<number | null>;
  /** What up printed so far (its JSON log lines included), the last 200 kB. */
  output(): string;
}

/** Starts `pixelforge up --data-dir <dataDir>` and resolves once it prints that it is up. */
export async function startUp(dataDir: string, env: Record<string, string> = {}): Promise<UpProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...TS_ENTRY_ARGS, 'cmd/pixelforge/main.ts', 'up', '--data-dir', dataDir, '--port', String(port)],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-200_000)));
  try {
    await waitForLine(child, /Ctrl-C stops everything/, 90_000, 'pixelforge up');
  } catch (err) {
    killGroup(child, 'SIGKILL');
    throw err;
  }
  const line = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '';
  const key = (await readFile(join(dataDir, 'admin.key'), 'utf8')).trim();
  const url = `http://127.0.0.1:${port}`;
  // The servers run in process groups of their own (out of Ctrl-C's reach); up.lock names them.
  const servers = JSON.parse(await readFile(join(dataDir, 'up.lock'), 'utf8')).children as number[];
  const gone = groupGone(child, servers);
  return {
    url,
    key,
    mongoUrl: line('MongoDB'),
    natsUrl: line('NATS'),
    request: (path, init = {}) =>
      fetch(`${url}${path}`, { ...init, headers: { 'x-api-key': key, ...(init.headers as object) } }),
    async kill9() {
      killGroup(child, 'SIGKILL');
      for (const pid of servers) killPid(pid, 'SIGKILL');
      await gone();
    },
    async interrupt() {
      killGroup(child, 'SIGINT');
      await gone();
      return child.exitCode;
    },
    output: () => output,
    async stop() {
      killGroup(child, 'SIGTERM');
      // A stack that has not stopped in 20 s is killed, its servers too: they are out of the group's reach.
      const timer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
        for (const pid of servers) killPid(pid, 'SIGKILL');
      }, 20_000);
      await gone();
      clearTimeout(timer);
    },
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  killPid(-child.pid!, signal);
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Resolves once the process group and the servers are gone (the servers exit a moment after `up`). */
function groupGone(child: ChildProcess, servers: number[]): () => Promise<void> {
  const exited = new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
  return async () => {
    await exited;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive(-child.pid!) || servers.some(alive)) await new Promise((r) => setTimeout(r, 50));
  };
}
