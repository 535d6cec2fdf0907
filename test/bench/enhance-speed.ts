// Speed of the enhancement engine: each ×4 model against lanczos3, UpscalerJS on TF.js wasm, and the CPU's peak.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';
import { photoLikePng } from '../../internal/adapters/sharp/test-images.ts';
import { ModelIntegrityError } from '../../internal/enhance/enhance-errors.ts';
import type { ModelManifest } from '../../internal/enhance/model-manifest.ts';
import { createModelRegistry } from '../../internal/adapters/onnx/model-registry.ts';
import { measurePeakMacsPerSecond, medianMs } from './cpu-peak.ts';
import { tfjsMegapixelsPerSecond } from './tfjs-baseline.ts';

const SIZE = 256;
const SCALE = 4;
const output = { format: 'jpeg', quality: 90 } as const;
/** TF.js input edge per model: the thick model needs ~2 s for 64×64 on wasm, so it runs smaller. */
const TFJS_EDGE: Readonly<Record<string, number>> = { 'esrgan-thick': 64 };

/**
 * Upscales a 256×256 photo-like image ×4 with every installed ×4 model through the whole `enhance` path (decode,
 * tiled inference, JPEG encode), median of five after a warm-up, and sets each against three baselines from the
 * same run: lanczos3 to the same size; the model's UpscalerJS package on TF.js wasm (`predict` only, at the
 * same input size except where TFJS_EDGE says); and the arithmetic limit, dense MACs per output pixel from the
 * manifest × output pixels per second ÷ the peak MAC rate measured with a 2048³ onnxruntime MatMul.
 */
export async function benchEnhanceSpeed(
  modelsDir = path.resolve(import.meta.dirname, '../../models'),
): Promise<string> {
  const threads = availableParallelism();
  const enhancer = createEnhancer({ modelsDir, threads });
  const manifests = new Map<string, ModelManifest>(
    (await createModelRegistry(modelsDir).manifests()).map((m) => [m.name, m]),
  );
  try {
    const peakBefore = await measurePeakMacsPerSecond(threads);
    const input = await photoLikePng(SIZE, SIZE);
    const edge = SIZE * SCALE;
    const megapixelsOut = edge ** 2 / 1e6;
    const baselineMs = await medianMs(() =>
      enhancer.convert(input, { ...output, width: edge, height: edge, fit: 'fill' }),
    );
    const lanczos = megapixelsOut / (baselineMs / 1000);
    const rows: (string | ((peak: number) => string))[] = [];
    for (const model of await enhancer.models()) {
      if (!model.scales.includes(SCALE)) continue;
      const name = `${model.name} ×${SCALE}`.padEnd(18);
      let ms: number;
      try {
        ms = await medianMs(() => enhancer.enhance(input, { model: model.name, scale: SCALE, output }));
      } catch (err) {
        // e.g. esrgan-thick's weights are generated at setup and may be absent: say so, bench the rest.
        if (!(err instanceof ModelIntegrityError)) throw err;
        rows.push(`  ${name} skipped: ${err.message}`);
        continue;
      }
      const rate = megapixelsOut / (ms / 1000);
      const tfjsEdge = TFJS_EDGE[model.name] ?? SIZE;
      const tfjs = await tfjsMegapixelsPerSecond(model.name, SCALE, tfjsEdge).catch(() => null);
      const macs = manifests.get(model.name)?.variants.find((v) => v.scale === SCALE)?.macsPerOutputPixel;
      rows.push(
        (peak) =>
          `  ${name} ${ms.toFixed(1).padStart(8)} ${rate.toFixed(2).padStart(7)} ${(rate / lanczos).toPrecision(2).padStart(9)} ` +
          `${tfjs === null ? 'n/a'.padStart(20) : `${tfjs.toFixed(3)} (${tfjsEdge}×${tfjsEdge} in)`.padStart(20)} ` +
          `${tfjs === null ? ''.padStart(7) : (rate / tfjs).toFixed(1).padStart(7)} ${String(macs ?? '?').padStart(8)} ` +
          `${macs ? ((macs * rate * 1e6) / peak).toFixed(2).padStart(7) : ''}`,
      );
    }
    // Measured again after the models, keeping the higher: a busy neighbour must not lower the ceiling.
    const peak = Math.max(peakBefore, await measurePeakMacsPerSecond(threads));
    const lines = [
      `enhance speed: ${SIZE}×${SIZE} → ×${SCALE} (${megapixelsOut.toFixed(2)} MP out), ${threads} threads, median of 5 (TF.js: of 3)`,
      `  CPU peak: ${(peak / 1e9).toFixed(1)} GMAC/s (the better of a 2048³ MatMul and four 3×3 64-channel convs in onnxruntime, ${threads} threads, best of 7, before and after the models)`,
      `  ${'method'.padEnd(18)} ${'ms'.padStart(8)} ${'MP/s'.padStart(7)} ${'×lanczos3'.padStart(9)} ${'TF.js wasm MP/s'.padStart(20)} ${'×TF.js'.padStart(7)} ${'MACs/px'.padStart(8)} ${'of peak'.padStart(7)}`,
      `  ${'lanczos3'.padEnd(18)} ${baselineMs.toFixed(1).padStart(8)} ${lanczos.toFixed(2).padStart(7)} ${'1'.padStart(9)}`,
      ...rows.map((row) => (typeof row === 'string' ? row : row(peak))),
    ];
    return lines.join('\n');
  } finally {
    await enhancer.close();
  }
}
