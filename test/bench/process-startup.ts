// Start-up of each process: Node 24 running the TypeScript itself, once stripping the types on every start and
// once with Node's compile cache warm (as node.sh and the image run it). `<process> --help` loads all of the
// process's code and exits, so its wall time is the start-up on every cold worker's critical path and its peak
// RSS is the code's footprint. (Node 20 with tsx, the first baseline here, no longer runs the code: the accounts
// use node:crypto's argon2, Node 24.7+.)
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { percentile, table } from './load-stats.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PROCESSES = ['ingress', 'projector', 'controller', 'worker', 'importer'];

interface Sample {
  ms: number;
  rssKiB: number;
}

/** Wall ms and peak RSS (KiB, from GNU time) of one `--help` run. */
async function once(node: string, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const started = performance.now();
  const { stderr } = await run('/usr/bin/time', ['-f', 'rss=%M', node, ...args], {
    cwd: ROOT,
    env,
    maxBuffer: 1 << 20,
  });
  const ms = performance.now() - started;
  return { ms, rssKiB: Number(/rss=(\d+)/.exec(stderr)?.[1] ?? NaN) };
}

const medianMs = (xs: Sample[]) =>
  percentile(
    xs.map((x) => x.ms),
    50,
  );
const medianMB = (xs: Sample[]) =>
  percentile(
    xs.map((x) => x.rssKiB),
    50,
  ) / 1024;

export async function benchProcessStartup({ rounds = 5 } = {}): Promise<string> {
  const cache = await mkdtemp(path.join(tmpdir(), 'pixelforge-compile-cache-'));
  try {
    const { NODE_COMPILE_CACHE: _, ...base } = process.env;
    const stripping = { ...base, NODE_DISABLE_COMPILE_CACHE: '1' };
    const cached = { ...base, NODE_COMPILE_CACHE: cache };
    const rows: string[][] = [];
    for (const name of PROCESSES) {
      const entry = `cmd/${name}/main.ts`;
      await once(process.execPath, [entry, '--help'], cached); // fills the cache
      const samples = { strip: [] as Sample[], cache: [] as Sample[] };
      for (let round = 0; round < rounds; round++) {
        samples.strip.push(await once(process.execPath, [entry, '--help'], stripping));
        samples.cache.push(await once(process.execPath, [entry, '--help'], cached));
      }
      const ms = (xs: Sample[]) => `${medianMs(xs).toFixed(0)} ms`;
      const mb = (xs: Sample[]) => `${medianMB(xs).toFixed(0)} MB`;
      rows.push([
        name,
        ms(samples.strip),
        ms(samples.cache),
        (medianMs(samples.strip) / medianMs(samples.cache)).toFixed(2),
        mb(samples.strip),
        mb(samples.cache),
      ]);
    }
    const header = [
      'process',
      'node 24, stripping',
      'node 24, compile cache',
      'speed-up (cache)',
      'peak RSS, stripping',
      'peak RSS, cache',
    ];
    return [
      `process start-up: <process> --help (loads all its code), Node ${process.versions.node} stripping types on each start vs its warm compile cache, median of ${rounds} alternating rounds`,
      table([header, ...rows]),
    ].join('\n');
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}
