// Start-up of each process before and after the move off the transpiler: Node 20 with tsx's loader against
// Node 24 running the TypeScript itself. `<process> --help` loads all of the process's code and exits, so its
// wall time is the start-up on every cold worker's critical path and its peak RSS is the code's footprint.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { percentile, table } from './load-stats.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PROCESSES = ['ingress', 'projector', 'controller', 'worker'];

/** Wall ms and peak RSS (KiB, from GNU time) of one `--help` run. */
async function once(node: string, args: string[]): Promise<{ ms: number; rssKiB: number }> {
  const started = performance.now();
  const { stderr } = await run('/usr/bin/time', ['-f', 'rss=%M', node, ...args], {
    cwd: ROOT,
    maxBuffer: 1 << 20,
  });
  const ms = performance.now() - started;
  return { ms, rssKiB: Number(/rss=(\d+)/.exec(stderr)?.[1] ?? NaN) };
}

async function machineNode(): Promise<{ path: string; major: number } | undefined> {
  try {
    const { stdout } = await run('node', ['-p', 'process.execPath + " " + process.versions.node']);
    const [found = '', version = '0'] = stdout.trim().split(' ');
    return { path: found, major: Number(version.split('.')[0]) };
  } catch {
    return undefined;
  }
}

export async function benchProcessStartup({ rounds = 5 } = {}): Promise<string> {
  const before = await machineNode();
  if (!before || before.major >= 24) {
    return `process start-up: this machine's node is ${before?.major ?? 'absent'}, so there is no Node 20 + tsx run to compare`;
  }
  const after = process.execPath;
  const rows: string[][] = [];
  for (const name of PROCESSES) {
    const entry = `cmd/${name}/main.ts`;
    const old: { ms: number; rssKiB: number }[] = [];
    const now: { ms: number; rssKiB: number }[] = [];
    for (let round = 0; round < rounds; round++) {
      old.push(await once(before.path, ['--import', 'tsx', entry, '--help']));
      now.push(await once(after, [entry, '--help']));
    }
    const ms = (xs: typeof old) =>
      percentile(
        xs.map((x) => x.ms),
        50,
      );
    const mb = (xs: typeof old) =>
      percentile(
        xs.map((x) => x.rssKiB),
        50,
      ) / 1024;
    rows.push([
      name,
      `${ms(old).toFixed(0)} ms`,
      `${ms(now).toFixed(0)} ms`,
      (ms(old) / ms(now)).toFixed(2),
      `${mb(old).toFixed(0)} MB`,
      `${mb(now).toFixed(0)} MB`,
    ]);
  }
  return [
    `process start-up: <process> --help (loads all its code), Node ${process.versions.node} type stripping vs node ${before.major} + tsx, median of ${rounds} alternating rounds`,
    table([
      ['process', 'node 20 + tsx', 'node 24', 'speed-up', 'peak RSS before', 'peak RSS after'],
      ...rows,
    ]),
  ].join('\n');
}
