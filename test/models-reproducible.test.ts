// Regenerating models/ from the installed packages gives byte-identical files and manifests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { convertModels } from '../internal/adapters/onnx/convert/convert-models.ts';
import { UnknownModelSourceError } from '../internal/adapters/onnx/convert/convert-errors.ts';
import type { ModelManifest } from '../internal/enhance/model-manifest.ts';

const MODELS_DIR = path.resolve(import.meta.dirname, '..', 'models');

let outDir: string;
let regenerated: ModelManifest[];
before(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'pf-models-'));
  regenerated = await convertModels({ outDir });
});
after(async () => {
  await rm(outDir, { recursive: true, force: true });
});

const sha256 = async (file: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

test('every regenerated manifest is byte-identical to the committed one', async () => {
  assert.ok(regenerated.length > 0);
  for (const manifest of regenerated) {
    const committed = await readFile(path.join(MODELS_DIR, manifest.name, 'manifest.json'), 'utf8');
    const fresh = await readFile(path.join(outDir, manifest.name, 'manifest.json'), 'utf8');
    assert.equal(fresh, committed, `${manifest.name}/manifest.json differs; run npm run models:convert`);
  }
});

test('every regenerated model has the sha256 the committed manifest records, and so does the committed file', async () => {
  for (const manifest of regenerated) {
    for (const variant of manifest.variants) {
      assert.equal(await sha256(path.join(outDir, manifest.name, variant.file)), variant.sha256);
      assert.equal(await sha256(path.join(MODELS_DIR, manifest.name, variant.file)), variant.sha256);
    }
  }
});

test('converting twice gives the same bytes', async () => {
  const again = await mkdtemp(path.join(tmpdir(), 'pf-models-'));
  try {
    const [manifest] = await convertModels({ outDir: again, only: ['esrgan-slim'] });
    assert.deepEqual(
      manifest,
      regenerated.find((m) => m.name === 'esrgan-slim'),
    );
  } finally {
    await rm(again, { recursive: true, force: true });
  }
});

test('an unknown model name is refused before anything is written', async () => {
  await assert.rejects(
    convertModels({ outDir, only: ['esrgan-slim', 'real-esrgan'] }),
    UnknownModelSourceError,
  );
});
