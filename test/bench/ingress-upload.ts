// Upload throughput through the whole ingress path (multipart → inspection → GridFS → NATS publish → 201)
// against the same bodies sent to a Hono route that only reads them: the cost of everything Pixelforge does.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stopProcess, waitForLine } from '../../internal/adapters/local-servers/process.ts';
import { describeJpeg, jpeg200k } from './ingress-images.ts';
import { startIngressStack, type IngressStack } from './ingress-stack.ts';
import type { ClosedLoopResult, ClosedLoopSpec } from './load-generator.ts';
import { childCpu, cpuBetween } from './load-cpu.ts';
import { runLoad } from './load-run.ts';
import { ms, percentile, ratio, table } from './load-stats.ts';
import { TS_ENTRY_ARGS } from '../../internal/wiring/typescript-entry.ts';

/** Options of {@link benchIngressUpload}; the defaults keep the part near two minutes. */
export interface IngressUploadOptions {
  /** Clients of the closed loop (default 8: enough to keep both cores busy). */
  concurrency?: number;
  /** Alternating baseline/ingress rounds (default 2), so drift in the machine's load hits both. */
  rounds?: number;
  /** Measured time of each round (default 8000 ms), after a 2000 ms warm-up. */
  roundMs?: number;
}

const WARMUP_MS = 2000;

/** Runs the rounds and returns the table: images/s, p50/p99 of both paths and the ratio (target ≥ 0.5). */
export async function benchIngressUpload({
  concurrency = 8,
  rounds = 2,
  roundMs = 8000,
}: IngressUploadOptions = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-upload-'));
  try {
    const jpeg = await jpeg200k();
    const file = path.join(dir, 'photo.jpg');
    await writeFile(file, jpeg);
    // The H2 file backend (as `pixelforge up` runs it): the memory backend would keep every blob in its 512 MB heap.
    await using stack = await startIngressStack({ h2File: true });
    await using noop = await startNoopServer();
    const spec = (url: string, apiKey?: string): ClosedLoopSpec => ({
      mode: 'closed',
      url,
      path: '/v1/images',
      ...(apiKey ? { apiKey } : {}),
      fields: { group: 'bench-upload', tags: 'bench' },
      file,
      concurrency,
      warmupMs: WARMUP_MS,
      durationMs: roundMs,
      maxRequests: 20_000,
      timeoutMs: 30_000,
    });
    const limit = WARMUP_MS + roundMs + 60_000;
    const baseline: ClosedLoopResult[] = [];
    const full: ClosedLoopResult[] = [];
    const drains: number[] = [];
    // CPU seconds per child process over each kind of round (warm-up and the projector's drain included).
    const cpu = { baseline: new Map<string, number>(), full: new Map<string, number>() };
    const measureCpu = async (into: Map<string, number>, work: () => Promise<void>) => {
      const before = await childCpu();
      await work();
      for (const [name, s] of cpuBetween(before, await childCpu())) into.set(name, (into.get(name) ?? 0) + s);
    };
    for (let round = 0; round < rounds; round++) {
      await measureCpu(cpu.baseline, async () => void baseline.push(await runLoad(spec(noop.url), limit)));
      await measureCpu(cpu.full, async () => {
        full.push(await runLoad(spec(stack.url, stack.apiKey), limit));
        drains.push(await drainTime(stack));
      });
    }
    const perRequest = (
      results: ClosedLoopResult[],
      used: Map<string, number>,
      only: (name: string) => boolean,
    ) => {
      const sent = results.reduce((n, r) => n + r.sent, 0);
      return [...used]
        .filter(([name, s]) => only(name) && s > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, s]) => `${name} ${((s * 1000) / sent).toFixed(2)}`)
        .join(', ');
    };
    const rate = (results: ClosedLoopResult[]) =>
      results.reduce((n, r) => n + r.latenciesMs.length, 0) /
      (results.reduce((t, r) => t + r.windowMs, 0) / 1000);
    const row = (name: string, results: ClosedLoopResult[]) => {
      const latencies = results.flatMap((r) => r.latenciesMs);
      const failed = results.reduce((n, r) => n + Object.values(r.failures).reduce((a, b) => a + b, 0), 0);
      return [
        name,
        rate(results).toFixed(1),
        ms(percentile(latencies, 50)),
        ms(percentile(latencies, 99)),
        String(latencies.length),
        String(failed),
        results.map((r) => (r.latenciesMs.length / (r.windowMs / 1000)).toFixed(0)).join(' / '),
      ];
    };
    const firstFailure = [...baseline, ...full].find((r) => r.firstFailure)?.firstFailure;
    const share = rate(full) / rate(baseline);
    return [
      `ingress upload: ${await describeJpeg(jpeg)}, closed loop of ${concurrency} keep-alive clients in a child process,`,
      `  ${rounds} alternating rounds of ${roundMs / 1000} s (after ${WARMUP_MS / 1000} s warm-up each); ingress and projector as processes,`,
      `  real nats-server and Mongo-wire server (${stack.backend} backend); WebP derivatives not running`,
      table([
        ['path', 'images/s', 'p50 ms', 'p99 ms', 'answered', 'failed', 'images/s per round'],
        row('no-op Hono route (reads the body)', baseline),
        row('POST /v1/images (full path)', full),
      ]),
      `  full path / no-op = ${ratio(share)} (target ≥ 0.5: ${share >= 0.5 ? 'met' : 'missed'})`,
      `  CPU ms per request, by process: no-op: ${perRequest(baseline, cpu.baseline, (n) => n === 'ingress-noop-server')};`,
      `  full path: ${perRequest(full, cpu.full, (n) => n !== 'ingress-noop-server' && n !== 'esbuild')} (all rounds, warm-up and drain included)`,
      `  projector backlog after each ingress round drained in ${drains.map((d) => `${(d / 1000).toFixed(1)} s`).join(' / ')}`,
      ...(firstFailure ? [`  first failure: ${firstFailure}`] : []),
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How long the projector takes to apply what the round published (it keeps running between rounds). */
async function drainTime(stack: IngressStack): Promise<number> {
  const started = performance.now();
  await stack.projectorIdle();
  return performance.now() - started;
}

async function startNoopServer(): Promise<{ url: string } & AsyncDisposable> {
  const child = spawn(
    process.execPath,
    [...TS_ENTRY_ARGS, path.join(import.meta.dirname, 'ingress-noop-server.ts')],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const [, url] = await waitForLine(child, /listening (\S+)/, 30_000, 'no-op server');
  child.stdout!.resume();
  child.stderr!.resume();
  return { url: url!, [Symbol.asyncDispose]: () => stopProcess(child) };
}
