// The Mongo-wire server of test/support with a bigger heap: its launcher fixes -Xmx512m, and 100 000 image
// documents of the projector's shape take ~5 KB of heap each in the memory backend (~500 MB live), so the
// query benchmark starts the same jar itself with room for them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { stopProcess, waitForLine } from '../../internal/adapters/local-servers/process.ts';

const TARGET = path.resolve(import.meta.dirname, '../support/mongo-wire/target');

/** Starts the in-memory Mongo-wire server with `heap` (a JVM size, default `3g`); `await using` stops it. */
export async function startRoomyMongoWire(
  heap = '3g',
): Promise<{ url: string; pid: number } & AsyncDisposable> {
  if (!existsSync(path.join(TARGET, 'mongo-wire.stamp'))) {
    throw new Error('Mongo-wire server is not built: run test/support/mongo-wire/build.sh');
  }
  // The flags of test/support/mongo-wire.ts but the heap; stdin stays open so the server dies with us.
  const child = spawn(
    'java',
    [
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Xss512k',
      `-Xmx${heap}`,
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      path.join(TARGET, 'mongo-wire.jar'),
      'io.pixelforge.mongowire.Launcher',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const [, address] = await waitForLine(child, /^listening (\S+)$/m, 30_000, 'Mongo-wire server');
  child.stdout!.resume();
  child.stderr!.resume();
  return { url: `mongodb://${address}`, pid: child.pid!, [Symbol.asyncDispose]: () => stopProcess(child) };
}
