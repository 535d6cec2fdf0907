// Starts a real nats-server with JetStream on a random port and a temporary store, for tests and `pixelforge up`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { stopProcess, waitForLine } from './process.ts';

export interface NatsServer extends AsyncDisposable {
  url: string;
  /** The process id of the running server (it changes on restart). */
  readonly pid: number;
  port: number;
  storeDir: string;
  /** Stops the server (SIGTERM) and, when the store was temporary, removes it. */
  stop(): Promise<void>;
  /** Stops the process but keeps the store, so `restart()` brings the same streams back. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface NatsServerOptions {
  /** Persistent store directory; a temporary one (removed on stop) when absent. */
  storeDir?: string;
  port?: number;
  /** Path of the nats-server binary (default: NATS_SERVER_BIN or `nats-server` on PATH). */
  binary?: string;
  /**
   * Its own process group, out of reach of a terminal's Ctrl-C (which signals the whole foreground group):
   * the owner stops it after the services that use it.
   */
  ownProcessGroup?: boolean;
}

/** Starts nats-server -js and waits until it accepts connections. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const temporary = !options.storeDir;
  const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'pf-nats-')));
  const port = options.port ?? (await freePort());
  const binary = options.binary ?? process.env.NATS_SERVER_BIN ?? 'nats-server';
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.ownProcessGroup ?? false,
    });
    child.on('error', () => {});
    await waitForLine(child, /Server is ready/, 15_000, `nats-server (${binary})`);
  };
  await launch();

  const kill = async () => {
    if (child) await stopProcess(child);
  };
  const stop = async () => {
    await kill();
    if (temporary) await rm(storeDir, { recursive: true, force: true });
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? 0;
    },
    port,
    storeDir,
    stop,
    kill,
    restart: launch,
    [Symbol.asyncDispose]: stop,
  };
}
