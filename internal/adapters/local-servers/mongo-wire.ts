// Starts the local Mongo-wire server (mongo-java-server 1.47.0) as a child process for `pixelforge up` and tests.
// The Java launcher itself is built under test/support/mongo-wire (build.sh, run by deploy/local/ensure.sh).
//
// Product code must run identically here and on MongoDB 7, so it avoids what this server lacks
// (checked with the mongodb 7.9 driver; most items are pinned by a test in test/mongo-wire.test.ts):
// - Expressions: $sortArray, $dateAdd/$dateSubtract/$dateTrunc/$dateDiff, $switch, $let, $round,
//   $first/$last on arrays, $filter's `limit`, $toString of a date, $getField, $type, $trim, $regexMatch,
//   $dateFromString/$dateFromParts, $$REMOVE ("Unrecognized expression '$x'" / "can't convert from BSON type date").
//   Available: $filter $map $reduce $slice $size $cond $ifNull $in $arrayElemAt $mergeObjects $arrayToObject
//   $dateToString (timezone too) $toString/$toObjectId of ObjectId $subtract on dates, $$NOW, $$ROOT.
// - Stages: $set, $replaceWith, $unionWith, $setWindowFields, $densify, $fill ("Unrecognized pipeline stage
//   name"); use $addFields / $replaceRoot.
// - Accumulators: $count, $top/$bottom, $firstN/$lastN ("unknown group operator"); use $sum: 1, $sort + $first.
// - $lookup: localField/foreignField together with a pipeline is refused; a `let` variable bound to a missing
//   field fails ("Use of undefined variable") — bind `{ $ifNull: ['$f', null] }`.
// - No sessions, so no transactions ("Current topology does not support sessions"); no change streams
//   without an oplog ("Unknown error: null"); update pipelines fail (ClassCastException).
// - Indexes: partialFilterExpression and collation are ignored, TTL never expires, no $text search.
// - Queries: $regex beside another operator on the same field fails ("Illegal repetition").
// - Errors: duplicate-key errors (code 11000) carry no keyPattern/keyValue; bulk-write errors over-report
//   insertedCount.
// - Durability (H2 file): H2 commits in the background about once a second, so a SIGKILL lost the last second
//   of acknowledged writes (measured: 1 315 of 2 000 inserts). The launcher therefore commits every change
//   before it answers (`durability: 'write'`, the default) or commits and fsyncs (`'fsync'`); see
//   {@link MongoWireDurability}.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A running Mongo-wire server; `await using` stops it. */
export interface MongoWireServer extends AsyncDisposable {
  /** Connection string, `mongodb://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** Sends SIGTERM and resolves once the process has exited (SIGKILL after {@link STOP_GRACE_MS}). */
  stop(): Promise<void>;
}

/**
 * When an acknowledged write of the file store is safe: `write` — written to the file before the reply, so it
 * survives a kill -9 of every process (a machine crash can lose what the OS had not flushed yet); `fsync` —
 * forced to disk before the reply, so it survives a power loss too; `background` — H2's own default, a commit
 * about once a second, so a kill -9 loses up to the last second.
 */
export type MongoWireDurability = 'write' | 'fsync' | 'background';

/** Options for {@link startMongoWire}. */
export interface StartMongoWireOptions {
  /** H2 file that keeps the data across restarts. Default: none (in memory, gone on stop). */
  dataFile?: string;
  /** Durability of the file store (ignored in memory). Default: `write`. */
  durability?: MongoWireDurability;
  /** Port to bind on 127.0.0.1. Default: 0 (a free port chosen by the OS). */
  port?: number;
  /** How long to wait for the server to report it is listening. Default: 30 000 ms. */
  startTimeoutMs?: number;
  /** Its own process group, out of reach of a terminal's Ctrl-C (see NatsServerOptions). */
  ownProcessGroup?: boolean;
}

const TARGET_DIR = fileURLToPath(new URL('../../../test/support/mongo-wire/target/', import.meta.url));
const JAR = `${TARGET_DIR}mongo-wire.jar`;
// Written by build.sh only after a complete build, so a half-built target/ is reported as missing.
const BUILD_STAMP = `${TARGET_DIR}mongo-wire.stamp`;
const MAIN_CLASS = 'io.pixelforge.mongowire.Launcher';
// C1-only JIT, serial GC, small stacks: ~250 ms to "listening" instead of ~330 ms; ~55 MB RSS when idle.
const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Xss512k',
  '-Xmx512m',
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
];
const STOP_GRACE_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;

/**
 * Starts a Mongo-wire server on 127.0.0.1 and resolves once it accepts connections.
 * Throws when the launcher is not built (run `test/support/mongo-wire/build.sh`), when `java` is missing,
 * or when the server does not come up in time (the error carries the end of its stderr).
 */
export async function startMongoWire(opts: StartMongoWireOptions = {}): Promise<MongoWireServer> {
  const { dataFile, durability = 'write', port = 0, startTimeoutMs = 30_000 } = opts;
  if (!existsSync(BUILD_STAMP)) {
    throw new Error(`Mongo-wire server is not built: run test/support/mongo-wire/build.sh (missing ${JAR})`);
  }
  const args = [...JVM_FLAGS, '-cp', JAR, MAIN_CLASS, '--host', '127.0.0.1', '--port', String(port)];
  if (dataFile !== undefined) args.push('--data', dataFile, '--durability', durability);
  // stdin stays a pipe: the launcher exits when it closes, so the server never outlives this process.
  const child = spawn('java', args, {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: opts.ownProcessGroup ?? false,
  });

  let stderrTail = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const address = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const settle = (): void => {
      clearTimeout(timer);
      child.off('error', onError).off('exit', onExit);
      child.stdout.off('data', awaitListeningLine);
      child.stdout.resume();
    };
    const fail = (reason: string): void => {
      settle();
      child.kill('SIGKILL');
      reject(new Error(`Mongo-wire server did not start: ${reason}\n--- stderr ---\n${stderrTail}`));
    };
    const onError = (err: Error): void => fail(`could not run java (${err.message})`);
    const onExit = (code: number | null, signal: string | null): void =>
      fail(`exited early (code ${code}, signal ${signal})`);
    const awaitListeningLine = (chunk: string): void => {
      stdout += chunk;
      const match = /^listening (\S+)\n/m.exec(stdout);
      if (!match?.[1]) return;
      settle();
      resolve(match[1]);
    };
    const timer = setTimeout(() => fail(`no "listening" line within ${startTimeoutMs} ms`), startTimeoutMs);
    child.on('error', onError).on('exit', onExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', awaitListeningLine);
  });

  // A forgotten server must not keep the process alive; when it exits, stdin closes and the server follows.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) unrefStream(stream);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async function stopMongoWire() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.ref();
      child.kill('SIGTERM');
      let killTimer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        killTimer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, STOP_GRACE_MS);
      });
      await Promise.race([exited, killed]);
      clearTimeout(killTimer);
      await exited;
    })();
    return stopping;
  };

  return {
    url: `mongodb://${address}`,
    pid: child.pid ?? -1,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Child stdio pipes are net.Socket at run time, though typed as plain streams. */
function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void }).unref?.();
}
