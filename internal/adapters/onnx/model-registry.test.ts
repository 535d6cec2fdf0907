import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelIntegrityError, ModelManifestError } from '../../enhance/enhance-errors.ts';
import { resolveVariant } from '../../enhance/model-catalogue.ts';
import { createModelRegistry } from './model-registry.ts';
import { writeTestModels } from './test-models.ts';

describe('model registry', () => {
  let dir: string;
  before(async () => {
    dir = await writeTestModels(await mkdtemp(join(tmpdir(), 'pf-registry-')));
    await mkdir(join(dir, 'work-in-progress')); // no manifest: skipped
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lists every valid manifest and skips folders without one', async () => {
    const names = (await createModelRegistry(dir).manifests()).map((m) => m.name).sort();
    assert.deepEqual(names, ['conv', 'nearest', 'nearest-unit']);
  });

  it('follows a linked model folder, and skips a link to a file', async () => {
    const linked = await mkdtemp(join(tmpdir(), 'pf-registry-links-'));
    try {
      await symlink(join(dir, 'nearest'), join(linked, 'nearest'));
      await symlink(join(dir, 'nearest', 'manifest.json'), join(linked, 'stray-file'));
      const registry = createModelRegistry(linked);
      assert.deepEqual(
        (await registry.manifests()).map((m) => m.name),
        ['nearest'],
      );
      const resolved = resolveVariant(await registry.manifests(), 'nearest', 4);
      assert.deepEqual(
        await registry.readVerified(resolved),
        await readFile(join(dir, 'nearest', 'x4.onnx')),
      );
    } finally {
      await rm(linked, { recursive: true, force: true });
    }
  });

  it('treats a missing directory as no models', async () => {
    assert.deepEqual(await createModelRegistry(join(dir, 'absent')).manifests(), []);
  });

  it('returns verified bytes, and refuses a file whose sha256 differs from the manifest', async () => {
    const registry = createModelRegistry(dir);
    const resolved = resolveVariant(await registry.manifests(), 'nearest', 4);
    const bytes = await registry.readVerified(resolved);
    assert.deepEqual(bytes, await readFile(join(dir, 'nearest', 'x4.onnx')));
    const tampered = { ...resolved, variant: { ...resolved.variant, sha256: '0'.repeat(64) } };
    await assert.rejects(registry.readVerified(tampered), (err: unknown) => {
      assert.ok(err instanceof ModelIntegrityError);
      assert.match(err.message, /x4\.onnx.*sha256/);
      return true;
    });
  });

  it('fails loudly, naming the file and field, on an invalid manifest', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'pf-registry-bad-'));
    try {
      await mkdir(join(bad, 'broken'));
      await writeFile(join(bad, 'broken', 'manifest.json'), JSON.stringify({ name: 'broken', variants: [] }));
      await assert.rejects(createModelRegistry(bad).manifests(), (err: unknown) => {
        assert.ok(err instanceof ModelManifestError);
        assert.match(err.message, /broken\/manifest\.json: .*variants/);
        return true;
      });
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
