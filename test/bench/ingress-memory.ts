// Peak resident memory of the ingress process during a burst of concurrent ~20 MB uploads: uploads are
// streamed, so the peak should not grow with the bytes in flight.
import { readFile } from 'node:fs/promises';
import { describeJpeg, jpeg20mFile } from './ingress-images.ts';
import { startIngressStack } from './ingress-stack.ts';
import { runLoad } from './load-run.ts';
import { ms, percentile, ratio } from './load-stats.ts';

const TARGET_BYTES = 250e6;

/** `VmHWM` (peak) and `VmRSS` (now) of `pid`, in bytes. */
async function memoryOf(pid: number): Promise<{ peak: number; now: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

/** Sends `uploads` uploads at once and returns the peak RSS of the ingress against the 250 MB target. */
export async function benchIngressMemory({ uploads = 50 } = {}): Promise<string> {
  const file = await jpeg20mFile();
  // 1 GB of blobs does not fit the memory backend's heap: the H2 file backend keeps them on disk.
  await using stack = await startIngressStack({ h2File: true });
  const before = await memoryOf(stack.ingressPid);
  let sampledPeak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sampledPeak = Math.max(sampledPeak, (await memoryOf(stack.ingressPid)).now);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const started = performance.now();
  const result = await runLoad(
    {
      mode: 'closed',
      url: stack.url,
      path: '/v1/images',
      apiKey: stack.apiKey,
      fields: { group: 'bench-memory' },
      file,
      concurrency: uploads,
      warmupMs: 0,
      durationMs: 600_000,
      maxRequests: uploads,
      timeoutMs: 300_000,
    },
    330_000,
  );
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  const after = await memoryOf(stack.ingressPid);
  const size = (await readFile(file)).length;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
  const failed = Object.entries(result.failures).map(([status, n]) => `${n}× ${status}`);
  return [
    `ingress memory: ${uploads} concurrent uploads of one ${await describeJpeg(file)} (${mb(size * uploads)} in all),`,
    `  cmd/ingress as its own process, Mongo-wire ${stack.backend} backend`,
    `  peak RSS (VmHWM) ${mb(after.peak)} = ${ratio(after.peak / TARGET_BYTES)} of the ${mb(TARGET_BYTES)} target (${after.peak < TARGET_BYTES ? 'met' : 'missed'});`,
    `  before the burst: RSS ${mb(before.now)}, VmHWM ${mb(before.peak)} (start-up); highest RSS sampled every 20 ms: ${mb(sampledPeak)}`,
    `  ${result.latenciesMs.length}/${uploads} stored (201)${failed.length ? `, failed: ${failed.join(', ')}` : ''} in ${seconds.toFixed(1)} s` +
      ` (${((size * result.latenciesMs.length) / 1e6 / seconds).toFixed(0)} MB/s); upload p50 ${ms(percentile(result.latenciesMs, 50))} ms, max ${ms(Math.max(...result.latenciesMs))} ms`,
    ...(result.firstFailure ? [`  first failure: ${result.firstFailure}`] : []),
  ].join('\n');
}
