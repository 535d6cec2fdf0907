// A models folder for tests that run the fake worker (test/support/fake-worker.ts) beside the real one: every
// installed model linked in, plus manifests for the fake worker's behaviours (`sleep`, `report-exit-0`…), so
// that the ingress, which checks a request's model against the manifests, accepts them.
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const MODELS = fileURLToPath(new URL('../../models/', import.meta.url));

export async function modelsWithFakes(t: TestContext, fakes: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pf-models-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const entry of await readdir(MODELS, { withFileTypes: true })) {
    if (entry.isDirectory()) await symlink(path.join(MODELS, entry.name), path.join(dir, entry.name));
  }
  for (const name of fakes) {
    await mkdir(path.join(dir, name));
    const manifest = {
      name,
      description: 'a behaviour of test/support/fake-worker.ts: no weights',
      variants: [{ scale: 4, file: 'none.onnx', sha256: '0'.repeat(64) }],
      inputRange: [0, 1],
      outputRange: [0, 1],
      layout: 'NCHW',
      channels: 3,
      source: { package: 'test', version: '0' },
      licence: 'none',
    };
    await writeFile(path.join(dir, name, 'manifest.json'), JSON.stringify(manifest));
  }
  return dir;
}
