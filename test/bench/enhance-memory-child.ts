// Child process of the memory benchmark: one enhancement of the image file in argv, then its own peak RSS on stdout.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createEnhancer } from '../../internal/adapters/onnx/create-enhancer.ts';

const [modelsDir, model, scale, file] = process.argv.slice(2);
if (!modelsDir || !model || !scale || !file) {
  throw new Error('usage: enhance-memory-child.ts <modelsDir> <model> <scale> <image file>');
}
// The worker's defaults (memory budget, every core), so the figure is what a worker pod would need.
const enhancer = createEnhancer({ modelsDir, threads: availableParallelism() });
const started = performance.now();
const { info } = await enhancer.enhance(await readFile(file), {
  model,
  scale: Number(scale),
  output: { format: 'jpeg', quality: 90 },
});
const ms = performance.now() - started;
await enhancer.close();
// ru_maxrss: the high-water mark of the whole process (native heaps of onnxruntime and libvips included), in KiB.
process.stdout.write(
  `${JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024, ms, width: info.width, height: info.height, tiles: info.tiles, tileSize: info.tileSize })}\n`,
);
