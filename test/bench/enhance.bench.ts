// Benchmark of the enhancement engine: output megapixels per second of each installed model against lanczos3.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';
import { photoLikePng } from '../../internal/adapters/sharp/test-images.ts';
import { ModelIntegrityError } from '../../internal/enhance/enhance-errors.ts';

const SIZE = 256;
const SCALE = 4;
const RUNS = 5;
const output = { format: 'jpeg', quality: 90 } as const;

async function medianMs(task: () => Promise<unknown>): Promise<number> {
  await task(); // warm-up: session creation, receptive-field measurement, allocator growth
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

/**
 * Upscales a 256×256 photo-like image ×4 with every installed model that has a ×4 variant (decode, tiled
 * inference, JPEG encode: the whole `enhance` path), and resizes the same image to 1024×1024 with lanczos3
 * through `convert` in the same run as the baseline. Returns a table of megapixels out per second, median of
 * five after a warm-up, with each model's speed as a fraction of lanczos3.
 */
export async function benchEnhance(
  modelsDir = fileURLToPath(new URL('../../models', import.meta.url)),
): Promise<string> {
  const threads = availableParallelism();
  const enhancer = createEnhancer({ modelsDir, threads });
  try {
    const input = await photoLikePng(SIZE, SIZE);
    const megapixelsOut = (SIZE * SCALE) ** 2 / 1e6;
    const edge = SIZE * SCALE;
    const baselineMs = await medianMs(() =>
      enhancer.convert(input, { ...output, width: edge, height: edge, fit: 'fill' }),
    );
    const baseline = megapixelsOut / (baselineMs / 1000);
    const lines = [
      `enhance ${SIZE}×${SIZE} → ×${SCALE} (${megapixelsOut.toFixed(2)} MP out), ${threads} threads, median of ${RUNS}`,
      `  lanczos3 (baseline)      ${baselineMs.toFixed(1).padStart(8)} ms  ${baseline.toFixed(2).padStart(7)} MP/s  1`,
    ];
    for (const model of await enhancer.models()) {
      if (!model.scales.includes(SCALE)) continue;
      let tiles = 0;
      let ms: number;
      try {
        ms = await medianMs(async () => {
          const { info } = await enhancer.enhance(input, { model: model.name, scale: SCALE, output });
          tiles = info.tiles;
        });
      } catch (err) {
        // e.g. esrgan-thick's weights are generated at setup and may be absent: say so, bench the rest.
        if (!(err instanceof ModelIntegrityError)) throw err;
        lines.push(`  ${`${model.name} ×${SCALE}`.padEnd(24)} skipped: ${err.message}`);
        continue;
      }
      const rate = megapixelsOut / (ms / 1000);
      lines.push(
        `  ${`${model.name} ×${SCALE}`.padEnd(24)} ${ms.toFixed(1).padStart(8)} ms  ${rate.toFixed(2).padStart(7)} MP/s  ${(rate / baseline).toPrecision(2)}× lanczos3  (${tiles} tile${tiles === 1 ? '' : 's'})`,
      );
    }
    return lines.join('\n');
  } finally {
    await enhancer.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(await benchEnhance());
