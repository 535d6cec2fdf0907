import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ModelIntegrityError, ProviderUnavailableError } from '../../enhance/enhance-errors.ts';
import { resolveVariant } from '../../enhance/model-catalogue.ts';
import { createOnnxRuntime } from './onnx-runtime.ts';
import { writeTestModels } from './test-models.ts';

const ortBin = join(
  dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')),
  'bin/napi-v6/linux/x64',
);
const cudaInstalled = existsSync(join(ortBin, 'libonnxruntime_providers_cuda.so'));

describe('onnx runtime', () => {
  let dir: string;
  before(async () => {
    dir = await writeTestModels(await mkdtemp(join(tmpdir(), 'pf-runtime-')));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs a variant: nearest ×2 replicates pixels', async () => {
    const runtime = createOnnxRuntime({ modelsDir: dir, threads: 1 });
    const run = await runtime.load(resolveVariant(await runtime.manifests(), 'nearest', 2));
    const out = await run(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 1);
    assert.deepEqual(Array.from(out.subarray(0, 8)), [1, 1, 2, 2, 1, 1, 2, 2]);
    assert.equal(out.length, 3 * 4 * 2);
    await runtime.close();
  });

  it('verifies the file once and reuses the session', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'pf-runtime-copy-'));
    try {
      await cp(dir, copy, { recursive: true });
      const runtime = createOnnxRuntime({ modelsDir: copy, threads: 1 });
      const resolved = resolveVariant(await runtime.manifests(), 'nearest', 2);
      await runtime.load(resolved);
      await writeFile(join(copy, 'nearest', 'x2.onnx'), 'tampered');
      // The session made from the verified bytes stays in use...
      const run = await runtime.load(resolved);
      assert.equal((await run(new Float32Array(3), 1, 1)).length, 12);
      await runtime.close();
      // ...and a new process (runtime) sees the tampering.
      const fresh = createOnnxRuntime({ modelsDir: copy, threads: 1 });
      await assert.rejects(fresh.load(resolved), ModelIntegrityError);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  it(
    'fails loudly when CUDA is asked for and cannot load, instead of running on the CPU',
    { skip: cudaInstalled && 'CUDA provider libraries are installed' },
    async () => {
      const runtime = createOnnxRuntime({ modelsDir: dir, provider: 'cuda' });
      assert.equal(runtime.provider, 'cuda');
      await assert.rejects(
        runtime.load(resolveVariant(await runtime.manifests(), 'nearest', 2)),
        (err: unknown) => {
          assert.ok(err instanceof ProviderUnavailableError);
          assert.match(err.message, /"cuda" is not available/);
          return true;
        },
      );
    },
  );
});
