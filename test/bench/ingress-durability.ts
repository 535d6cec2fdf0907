// What durability costs on the upload path: uploads/s of the embedded default's store settings, measured in
// alternating rounds of one run against the old default (H2 committing in the background, bytes in GridFS),
// which lost acknowledged uploads on a kill -9.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeJpeg, jpeg200k } from './ingress-images.ts';
import { startIngressStack, type IngressStackOptions } from './ingress-stack.ts';
import type { ClosedLoopResult } from './load-generator.ts';
import { runLoad } from './load-run.ts';
import { ms, percentile, ratio, table } from './load-stats.ts';

const WARMUP_MS = 2000;

const SETTINGS: { name: string; options: IngressStackOptions }[] = [
  {
    name: 'H2 background commit, GridFS (before; loses acked writes)',
    options: { durability: 'background' },
  },
  { name: 'H2 commit per write, GridFS', options: { durability: 'write' } },
  { name: 'H2 commit per write, files (up default)', options: { durability: 'write', blobStore: 'files' } },
  {
    name: 'H2 commit+fsync, files fsync (LOCAL_DURABILITY=fsync)',
    options: { durability: 'fsync', blobStore: 'files', fsyncFiles: true },
  },
];

/** Rounds of every setting in turn (default 2 × 8 s each), 8 clients, a ~200 kB JPEG. */
export async function benchIngressDurability({
  rounds = 2,
  roundMs = 8000,
  concurrency = 8,
} = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-bench-durability-'));
  try {
    const jpeg = await jpeg200k();
    const file = path.join(dir, 'photo.jpg');
    await writeFile(file, jpeg);
    const results = SETTINGS.map(() => [] as ClosedLoopResult[]);
    for (let round = 0; round < rounds; round++) {
      for (const [i, setting] of SETTINGS.entries()) {
        await using stack = await startIngressStack({ h2File: true, ...setting.options });
        const result = await runLoad(
          {
            mode: 'closed',
            url: stack.url,
            path: '/v1/images',
            apiKey: stack.apiKey,
            fields: { group: 'bench-durability' },
            file,
            concurrency,
            warmupMs: WARMUP_MS,
            durationMs: roundMs,
            maxRequests: 20_000,
            timeoutMs: 30_000,
          },
          WARMUP_MS + roundMs + 60_000,
        );
        results[i]!.push(result);
      }
    }
    const rate = (rs: ClosedLoopResult[]) =>
      rs.reduce((n, r) => n + r.latenciesMs.length, 0) / (rs.reduce((t, r) => t + r.windowMs, 0) / 1000);
    const base = rate(results[0]!);
    return [
      `upload durability: ${await describeJpeg(jpeg)}, closed loop of ${concurrency} clients, ${rounds} rounds of ${roundMs / 1000} s`,
      '  per setting (each a fresh stack: nats-server, Mongo-wire H2 file, projector and ingress processes)',
      table([
        ['store settings', 'images/s', 'p50 ms', 'p99 ms', 'failed', 'vs before'],
        ...SETTINGS.map((s, i) => {
          const rs = results[i]!;
          const latencies = rs.flatMap((r) => r.latenciesMs);
          const failed = rs.reduce((n, r) => n + Object.values(r.failures).reduce((a, b) => a + b, 0), 0);
          return [
            s.name,
            rate(rs).toFixed(1),
            ms(percentile(latencies, 50)),
            ms(percentile(latencies, 99)),
            String(failed),
            ratio(rate(rs) / base),
          ];
        }),
      ]),
    ].join('\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
