// The EnhancementJob CRD: generated from the zod schema, committed up to date, and enforced by a real
// API server the same way zod enforces it (bad specs are rejected before any controller sees them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiError, kubeRequest } from '../internal/adapters/k8s/raw-client.ts';
import { EnhancementSpec } from '../internal/jobs/spec.ts';
import { API_VERSION, EnhancementJobStatus, KIND, PLURAL } from '../internal/resources/enhancement-job.ts';
import { staleCrdFiles } from '../internal/resources/generate-crd.ts';
import { startControllerKube } from './support/controller-kube.ts';

const specs: { name: string; spec: unknown }[] = [
  { name: 'minimal', spec: { source: { imageId: '01J0' }, model: 'esrgan-slim' } },
  {
    name: 'everything',
    spec: {
      source: { url: 'https://example.com/cat.png' },
      model: 'esrgan-slim',
      scale: 4,
      outscale: 3.5,
      tile: { size: 256 },
      output: { format: 'avif', quality: 50 },
      priority: -3,
      cancel: false,
    },
  },
  { name: 'video', spec: { source: { videoId: 'v1' }, model: 'm' } },
  { name: 'no model', spec: { source: { imageId: 'a' } } },
  { name: 'empty model', spec: { source: { imageId: 'a' }, model: '' } },
  { name: 'no source', spec: { model: 'm' } },
  { name: 'empty source', spec: { source: {}, model: 'm' } },
  { name: 'scale 16', spec: { source: { imageId: 'a' }, model: 'm', scale: 16 } },
  { name: 'scale 2.5', spec: { source: { imageId: 'a' }, model: 'm', scale: 2.5 } },
  { name: 'outscale 0', spec: { source: { imageId: 'a' }, model: 'm', outscale: 0 } },
  { name: 'tile 8', spec: { source: { imageId: 'a' }, model: 'm', tile: { size: 8 } } },
  { name: 'tile without size', spec: { source: { imageId: 'a' }, model: 'm', tile: { pad: 4 } } },
  { name: 'gif output', spec: { source: { imageId: 'a' }, model: 'm', output: { format: 'gif' } } },
  { name: 'quality 0', spec: { source: { imageId: 'a' }, model: 'm', output: { quality: 0 } } },
  { name: 'priority 5000', spec: { source: { imageId: 'a' }, model: 'm', priority: 5000 } },
  { name: 'model as number', spec: { source: { imageId: 'a' }, model: 7 } },
  { name: 'relative url', spec: { source: { url: 'cat.png' }, model: 'm' } },
];

const ej = (name: string, spec: unknown) => ({
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: { name },
  spec,
});

test('the EnhancementJob CRD', async (t) => {
  await t.test('the committed CRD (deploy/ and the chart) is what the schema generates', async () => {
    assert.deepEqual(
      await staleCrdFiles(),
      [],
      'run: bash deploy/local/node.sh internal/resources/generate-crd.ts',
    );
  });

  await using kube = await startControllerKube('crd');
  const base = `/apis/${API_VERSION}/namespaces/${kube.namespace}/${PLURAL}`;
  const call = <T = Record<string, never>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ) => kubeRequest<T>(kube.kubeConfig, method, path, { body, ...(contentType ? { contentType } : {}) });
  const rejection = async (promise: Promise<unknown>): Promise<KubeApiError> => {
    const err = await promise.then(
      () => assert.fail('the API server accepted it'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof KubeApiError, String(err));
    return err;
  };

  await t.test(
    'the API server accepts exactly the specs zod accepts, and applies the same defaults',
    async () => {
      for (const [i, { name, spec }] of specs.entries()) {
        const zod = EnhancementSpec.safeParse(spec);
        const created = await call<{ spec: unknown }>('POST', base, ej(`spec-${i}`, spec)).then(
          (obj) => obj,
          (err: unknown) => err,
        );
        if (zod.success) {
          assert.ok(
            !(created instanceof Error),
            `${name}: zod accepts it but the server said ${String(created)}`,
          );
          assert.deepEqual((created as { spec: unknown }).spec, zod.data, `${name}: defaults differ`);
        } else {
          assert.ok(created instanceof KubeApiError, `${name}: zod refuses it but the server stored it`);
          assert.equal(created.code, 422, `${name}: ${created.message}`);
        }
      }
    },
  );

  await t.test('a name that is not a DNS label is refused with a message saying so', async () => {
    const err = await rejection(call('POST', base, ej('x'.repeat(64), specs[0]!.spec)));
    assert.equal(err.code, 422);
    assert.match(err.message, /must be a DNS label/);
  });

  await t.test('source and model are immutable, priority is not, and a cancel cannot be undone', async () => {
    await call('POST', base, ej('immutable', { source: { imageId: 'a' }, model: 'm' }));
    const merge = 'application/merge-patch+json';
    const changed = await rejection(call('PATCH', `${base}/immutable`, { spec: { model: 'other' } }, merge));
    assert.match(changed.message, /source and model cannot change/);
    const bumped = await call<{ spec: { priority: number }; metadata: { generation: number } }>(
      'PATCH',
      `${base}/immutable`,
      { spec: { priority: 9, cancel: true } },
      merge,
    );
    assert.equal(bumped.spec.priority, 9);
    assert.equal(bumped.metadata.generation, 2);
    const resumed = await rejection(call('PATCH', `${base}/immutable`, { spec: { cancel: false } }, merge));
    assert.match(resumed.message, /cannot be resumed/);
  });

  await t.test('status is a subresource validated by the status schema', async () => {
    const status = EnhancementJobStatus.parse({
      phase: 'Running',
      observedGeneration: 1,
      attempts: 1,
      progress: { done: 3, total: 4, unit: 'tiles', summary: '3/4 tiles' },
      conditions: [
        {
          type: 'Running',
          status: 'True',
          observedGeneration: 1,
          lastTransitionTime: new Date().toISOString(),
          reason: 'WorkerRunning',
          message: 'the worker is running',
        },
      ],
      startedAt: new Date().toISOString(),
    });
    const current = await call<{ metadata: object }>('GET', `${base}/spec-0`);
    const written = await call<{ status: unknown; metadata: object }>('PUT', `${base}/spec-0/status`, {
      ...current,
      status,
    });
    assert.deepEqual(written.status, status);
    const bad = await rejection(
      call('PUT', `${base}/spec-0/status`, { ...written, status: { ...status, phase: 'Exploded' } }),
    );
    assert.equal(bad.code, 422);

    const table = await kubeRequest<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>(
      kube.kubeConfig,
      'GET',
      `${base}/spec-0`,
      { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
    );
    const columns = table.columnDefinitions.map((c) => c.name);
    assert.deepEqual(columns.slice(0, 4), ['Name', 'Phase', 'Progress', 'Model']);
    const cells = table.rows[0]!.cells;
    assert.deepEqual(cells.slice(0, 4), ['spec-0', 'Running', '3/4 tiles', 'esrgan-slim']);
  });
});
