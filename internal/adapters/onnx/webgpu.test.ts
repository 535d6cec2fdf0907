// The GPU code path on every machine: onnxruntime's WebGPU provider (Dawn over Vulkan) on Mesa's lavapipe,
// which setup installs (`deploy/local/ensure.sh --for-tests`). lavapipe renders on the CPU, so the images are
// small; what is tested is that the WebGPU path gives the CPU's image for each model family, tiled or not,
// and that a machine without an adapter gets a clear error instead of a silent run on the CPU.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { maxDiff, photoLikePng, rawOf } from '../sharp/test-images.ts';
import { createEnhancer } from './create-enhancer.ts';

const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
const cli = fileURLToPath(new URL('../../../cmd/pixelforge/bin.mjs', import.meta.url));
const run = promisify(execFile);

describe('the WebGPU provider (lavapipe here)', () => {
  const gpu = createEnhancer({ modelsDir, threads: 2, provider: 'webgpu' });
  const cpu = createEnhancer({ modelsDir, threads: 2 });
  after(async () => {
    await gpu.close();
    await cpu.close();
  });

  for (const [model, scale, w, h] of [
    ['esrgan-slim', 4, 20, 14],
    ['realesr-general-x4v3', 4, 20, 14],
    ['realesr-animevideov3', 2, 20, 14],
    ['realesrgan-x4plus', 4, 10, 8],
  ] as const) {
    it(`${model} ×${scale} gives the CPU's image within one level`, async () => {
      const input = await photoLikePng(w, h);
      const request = { model, scale, output: { format: 'png' as const } };
      const [onGpu, onCpu] = [await gpu.enhance(input, request), await cpu.enhance(input, request)];
      assert.equal(onGpu.info.provider, 'webgpu');
      assert.deepEqual([onGpu.info.width, onGpu.info.height], [w * scale, h * scale]);
      const diff = maxDiff((await rawOf(onGpu.data)).data, (await rawOf(onCpu.data)).data);
      assert.ok(diff <= 1, `WebGPU differs from the CPU by ${diff} levels`);
    });
  }

  it('tiles on the WebGPU path match its untiled result within one level', async () => {
    const input = await photoLikePng(36, 20);
    const request = { model: 'realesr-animevideov3', scale: 2, output: { format: 'png' as const } };
    const whole = await gpu.enhance(input, request);
    const tiled = await gpu.enhance(input, { ...request, tile: { size: 12 } });
    assert.ok(tiled.info.tiles >= 4);
    const diff = maxDiff((await rawOf(tiled.data)).data, (await rawOf(whole.data)).data);
    assert.ok(diff <= 1, `tiled differs by ${diff} levels`);
  });

  it('without a Vulkan device the CLI says there is no WebGPU adapter and exits 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pf-webgpu-'));
    try {
      const input = path.join(dir, 'in.png');
      await writeFile(input, await photoLikePng(8, 8));
      const failed = await run(process.execPath, [cli, 'enhance', input, '-o', path.join(dir, 'out.png')], {
        env: { ...process.env, PIXELFORGE_PROVIDER: 'webgpu', VK_ICD_FILENAMES: path.join(dir, 'none.json') },
      }).then(
        () => undefined,
        (err: { code: number; stderr: string }) => err,
      );
      assert.ok(failed, 'the command succeeded without a Vulkan device');
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /execution provider "webgpu" is not available: no WebGPU adapter/);
      assert.match(failed.stderr, /Vulkan driver/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
