// Platform overhead in the local mode: a 256×256 image from `POST /v1/enhancements` to Succeeded (controller,
// child-process worker, NATS, GridFS, read model) against the engine alone, measured in the same run: warm
// in this process, and cold as `pixelforge enhance` (a process that also starts node and loads the model).
// Run: node --import tsx test/bench/controller-local.bench.ts [runs]
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';
import { silentLogger } from '../../internal/telemetry/logger.ts';
import { startController } from '../../internal/wiring/controller.ts';
import { makeJpeg, uploadForm } from '../support/images.ts';
import { startTestStack } from '../support/stack.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const THREADS = 2;

/** Runs the three measurements `runs` times each and returns the table for BENCHMARKS.md. */
export async function benchLocalEnhancement(runs = 5): Promise<string> {
  const image = await makeJpeg(256, 256);
  const dir = await mkdtemp(join(tmpdir(), 'pf-bench-'));
  const input = join(dir, 'in.jpg');
  await writeFile(input, image);

  const enhancer = createEnhancer({ modelsDir: 'models', threads: THREADS });
  const warm: number[] = [];
  await enhancer.enhance(image, { model: 'esrgan-slim', output: { format: 'png', quality: 90 } });
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await enhancer.enhance(image, { model: 'esrgan-slim', output: { format: 'png', quality: 90 } });
    warm.push(performance.now() - t0);
  }
  await enhancer.close();

  const cold: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'cmd/pixelforge/main.ts',
        'enhance',
        input,
        '-o',
        join(dir, `out-${i}.png`),
        '-t',
        String(THREADS),
      ],
      { env: { ...process.env, PIXELFORGE_THREADS: String(THREADS) } },
    );
    cold.push(performance.now() - t0);
  }

  await using stack = await startTestStack();
  const controller = await startController(
    {
      ...stack.config,
      PIXELFORGE_RUNTIME: 'local',
      PIXELFORGE_NAMESPACE: 'bench',
      PIXELFORGE_LEADER_ELECTION: false,
      PIXELFORGE_THREADS: THREADS,
    },
    stack.conn,
    silentLogger,
  );
  const platform: number[] = [];
  try {
    const uploaded = await stack.request('/v1/images', {
      method: 'POST',
      body: uploadForm(image, { group: 'bench' }),
    });
    const { id: imageId } = (await uploaded.json()) as { id: string };
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const res = await stack.request('/v1/enhancements', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ imageId, model: 'esrgan-slim', output: { format: 'png' } }),
      });
      const { id } = (await res.json()) as { id: string };
      for (;;) {
        const view = (await (await stack.request(`/v1/enhancements/${id}`)).json()) as { phase?: string };
        if (view.phase === 'Succeeded') break;
        if (view.phase === 'Failed' || view.phase === 'Cancelled') throw new Error(`job ${id} ${view.phase}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      platform.push(performance.now() - t0);
    }
  } finally {
    await controller.stop();
    await rm(dir, { recursive: true, force: true });
  }

  const row = (label: string, xs: number[]) =>
    `  ${label.padEnd(44)}${median(xs).toFixed(0).padStart(8)}${(median(xs) / median(warm)).toFixed(2).padStart(10)}`;
  return [
    `local enhancement: 256×256 JPEG → ×4 PNG, esrgan-slim, ${THREADS} threads, median of ${runs}`,
    `  ${'path'.padEnd(44)}${'ms'.padStart(8)}${'×engine'.padStart(10)}`,
    row('engine in this process (warm session)', warm),
    row('pixelforge enhance (cold process)', cold),
    row('POST /v1/enhancements → Succeeded (local)', platform),
    `  platform overhead vs the cold process: ${(median(platform) / median(cold)).toFixed(2)}×`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(await benchLocalEnhancement(Number(process.argv[2] ?? 5)));
}
