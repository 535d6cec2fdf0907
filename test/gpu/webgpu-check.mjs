// The GPU check of issue 10, for a machine with a real GPU (the device machine) and on lavapipe here: each
// model runs on onnxruntime's CPU and WebGPU providers on the same input; prints the largest difference in
// 8-bit levels and the speed of each, as a Markdown table, and writes them as JSON to $OUT when set.
// Plain JavaScript with no dependency but onnxruntime-node, so that it runs from what test/gpu/pack.sh carries.
// Usage: node webgpu-check.mjs <models dir> [side]
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [modelsDir, sideArg] = process.argv.slice(2);
if (!modelsDir) throw new Error('usage: webgpu-check.mjs <models dir> [side]');
const SIDE = Number(sideArg ?? 256);
const RUNS = 5;
process.env.XDG_RUNTIME_DIR ??= '/tmp';

/** Model, file, and the value range its input and output use. */
const MODELS = [
  ['realesr-general-x4v3', 'x4.onnx', 1],
  ['realesr-animevideov3', 'x4.onnx', 1],
  ['esrgan-slim', 'x4.onnx', 255],
];

/** A photo-like NCHW input: smooth gradients, an edge and seeded noise, in [0, range]. */
function input(side, range) {
  const data = new Float32Array(3 * side * side);
  let seed = 7;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const smooth = 0.5 + 0.4 * Math.sin((x + 13 * c) / 9) * Math.cos(y / 11);
        const edge = x > side / 2 ? 0.15 : 0;
        data[(c * side + y) * side + x] =
          Math.min(1, Math.max(0, smooth + edge + ((seed >>> 8) / 2 ** 24 - 0.5) * 0.1)) * range;
      }
  return new ort.Tensor('float32', data, [1, 3, side, side]);
}

const level = (v, range) => Math.round(Math.min(1, Math.max(0, v / range)) * 255);

async function time(session, feeds) {
  await session.run(feeds);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await session.run(feeds);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
}

const results = [];
for (const [name, file, range] of MODELS) {
  const model = path.join(modelsDir, name, file);
  const cpu = await ort.InferenceSession.create(model, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
  });
  const gpu = await ort.InferenceSession.create(model, {
    executionProviders: ['webgpu'],
    graphOptimizationLevel: 'all',
  });
  const feeds = { [cpu.inputNames[0]]: input(SIDE, range) };
  const a = (await cpu.run(feeds))[cpu.outputNames[0]].data;
  const b = (await gpu.run(feeds))[gpu.outputNames[0]].data;
  let levels = 0;
  for (let i = 0; i < a.length; i++)
    levels = Math.max(levels, Math.abs(level(a[i], range) - level(b[i], range)));
  const [cpuMs, gpuMs] = [await time(cpu, feeds), await time(gpu, feeds)];
  const outMp = (SIDE * 4) ** 2 / 1e6;
  results.push({
    name,
    side: SIDE,
    levels,
    cpuMs,
    gpuMs,
    cpuMpS: outMp / (cpuMs / 1000),
    gpuMpS: outMp / (gpuMs / 1000),
  });
  await cpu.release();
  await gpu.release();
}

const lines = [
  `| model, ${SIDE}×${SIDE} → ×4 | max level difference | CPU | WebGPU | WebGPU / CPU |`,
  '|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.name} | ${r.levels} | ${r.cpuMs.toFixed(0)} ms (${r.cpuMpS.toFixed(2)} MP/s) | ${r.gpuMs.toFixed(0)} ms (${r.gpuMpS.toFixed(2)} MP/s) | ${(r.cpuMs / r.gpuMs).toPrecision(2)}× |`,
  ),
];
console.log(lines.join('\n'));
if (process.env.OUT)
  writeFileSync(path.join(process.env.OUT, 'webgpu-check.json'), JSON.stringify(results, null, 2));
if (results.some((r) => r.levels > 1)) {
  console.error('FAIL: WebGPU differs from the CPU by more than one level');
  process.exit(1);
}
