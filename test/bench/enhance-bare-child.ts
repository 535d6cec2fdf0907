// Child of the whole-process benchmark: the bare baseline. Decodes the image, makes one onnxruntime session
// with the engine's options and prints the wall time of one untiled run (after a warm-up run), nothing else.
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import sharp from 'sharp';

const [file, image] = process.argv.slice(2);
if (!file || !image) throw new Error('usage: enhance-bare-child.ts <model.onnx> <image>');
const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const { width, height } = info;
const plane = width * height;
const tensor = new Float32Array(3 * plane);
for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) tensor[c * plane + i] = data[i * 3 + c]! / 255;
const session = await ort.InferenceSession.create(file, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: availableParallelism(),
  interOpNumThreads: 1,
  executionMode: 'sequential',
});
const input = new ort.Tensor('float32', tensor, [1, 3, height, width]);
await session.run({ input });
const started = performance.now();
await session.run({ input });
process.stdout.write(`${JSON.stringify({ runMs: performance.now() - started })}\n`);
