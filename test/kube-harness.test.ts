// Checks the kube-apiserver test harness gives a real API server: CRDs, validation, status, watches, Jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiException,
  ApiextensionsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  Watch,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { eventually } from './support/eventually.ts';
import { startKubeApiServer } from './support/kube-apiserver.ts';

const group = 'test.pixelforge.io';
const version = 'v1';
const plural = 'widgets';
const namespace = 'harness';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

const widgetCrd: V1CustomResourceDefinition = {
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { plural, singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: { size: { type: 'integer', minimum: 1 } },
              },
              status: { type: 'object', properties: { phase: { type: 'string' } } },
            },
          },
        },
      },
    ],
  },
};

/** The HTTP status of a rejected API call (fails the test if the call succeeded or failed another way). */
async function rejectionCode(call: Promise<unknown>): Promise<{ code: number; body: string }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return { code: err.code, body: String(err.body) };
    throw err;
  }
  assert.fail('the API server accepted a request it should have rejected');
}

test('kube-apiserver harness serves a real API server', async (t) => {
  await using env = await startKubeApiServer();
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const custom = env.kubeConfig.makeApiClient(CustomObjectsApi);
  const widget = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: `${group}/${version}`,
    kind: 'Widget',
    metadata: { name },
    spec,
  });
  const widgetArgs = { group, version, namespace, plural };

  await t.test('the kubeconfig file authenticates as an admin', async () => {
    const fromFile = new KubeConfig();
    fromFile.loadFromFile(env.kubeconfigPath);
    assert.equal(fromFile.getCurrentCluster()?.server, env.server);
    await fromFile.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    const names = (await core.listNamespace()).items.map((ns) => ns.metadata?.name);
    assert.ok(names.includes(namespace) && names.includes('kube-system'), `namespaces: ${names.join(', ')}`);
  });

  await t.test('a CustomResourceDefinition becomes Established', async () => {
    const crds = env.kubeConfig.makeApiClient(ApiextensionsV1Api);
    await crds.createCustomResourceDefinition({ body: widgetCrd });
    await eventually(async () => {
      const crd = await crds.readCustomResourceDefinition({ name: `${plural}.${group}` });
      const established = crd.status?.conditions?.find((c) => c.type === 'Established');
      assert.equal(established?.status, 'True');
    }, 30_000);
    // Discovery of a new group can lag Established by a moment.
    await eventually(() => custom.listNamespacedCustomObject(widgetArgs), 30_000, 200);
  });

  await t.test('objects are stored and the schema is enforced (422)', async () => {
    const created = await custom.createNamespacedCustomObject({
      ...widgetArgs,
      body: widget('a', { size: 3 }),
    });
    assert.ok(created.metadata.uid, 'the server assigns a uid');
    assert.equal(created.metadata.generation, 1);
    const read = await custom.getNamespacedCustomObject({ ...widgetArgs, name: 'a' });
    assert.deepEqual(read.spec, { size: 3 });

    const missing = await rejectionCode(
      custom.createNamespacedCustomObject({ ...widgetArgs, body: widget('b', {}) }),
    );
    assert.equal(missing.code, 422);
    assert.match(missing.body, /spec\.size: Required value/);
    const tooSmall = await rejectionCode(
      custom.createNamespacedCustomObject({ ...widgetArgs, body: widget('c', { size: 0 }) }),
    );
    assert.equal(tooSmall.code, 422);
    const duplicate = await rejectionCode(
      custom.createNamespacedCustomObject({ ...widgetArgs, body: widget('a', { size: 1 }) }),
    );
    assert.equal(duplicate.code, 409);
  });

  await t.test(
    'status is a subresource: written only through /status, without bumping generation',
    async () => {
      const patched = await custom.patchNamespacedCustomObjectStatus(
        { ...widgetArgs, name: 'a', body: { status: { phase: 'Ready' } } },
        mergePatch,
      );
      assert.equal(patched.status.phase, 'Ready');
      assert.equal(patched.metadata.generation, 1);

      const viaMain = await custom.patchNamespacedCustomObject(
        { ...widgetArgs, name: 'a', body: { spec: { size: 4 }, status: { phase: 'Ignored' } } },
        mergePatch,
      );
      assert.equal(viaMain.status.phase, 'Ready', 'the main resource ignores status');
      assert.equal(viaMain.metadata.generation, 2, 'a spec change bumps generation');
    },
  );

  await t.test('a watch sees changes made after its resourceVersion', async () => {
    const current = await custom.getNamespacedCustomObject({ ...widgetArgs, name: 'a' });
    const seen: Array<{ phase: string; size: unknown }> = [];
    let done!: () => void;
    const modified = new Promise<void>((resolve) => (done = resolve));
    const watch = await new Watch(env.kubeConfig).watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      { resourceVersion: current.metadata.resourceVersion },
      (phase, obj) => {
        seen.push({ phase, size: obj?.spec?.size });
        if (phase === 'MODIFIED' && obj?.spec?.size === 7) done();
      },
      () => {},
    );
    try {
      await custom.patchNamespacedCustomObject(
        { ...widgetArgs, name: 'a', body: { spec: { size: 7 } } },
        mergePatch,
      );
      // An unref'd timer, so a passing test does not keep the process alive for the full timeout.
      const timeout = sleep(10_000, undefined, { ref: false }).then(() => {
        throw new Error('no MODIFIED event in 10 s');
      });
      await Promise.race([modified, timeout]);
      assert.deepEqual(seen, [{ phase: 'MODIFIED', size: 7 }], 'nothing older than the resourceVersion');
    } finally {
      watch.abort();
    }
  });

  await t.test('a batch/v1 Job is stored and its status is ours to write (no controllers run)', async () => {
    const batch = env.kubeConfig.makeApiClient(BatchV1Api);
    const job = await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'work' },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'worker', image: 'pixelforge/worker:test' }],
            },
          },
        },
      },
    });
    assert.equal(job.spec?.backoffLimit, 6, 'the server applies Job defaults');
    assert.ok(job.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'], 'and its selector');

    const startTime = new Date();
    const running = await batch.patchNamespacedJobStatus(
      { name: 'work', namespace, body: { status: { startTime, active: 1 } } },
      mergePatch,
    );
    assert.equal(running.status?.active, 1);
    assert.equal(
      running.status?.startTime?.toISOString(),
      new Date(startTime.setMilliseconds(0)).toISOString(),
    );

    // Finish it as the job controller would: the server refuses Complete=True without SuccessCriteriaMet=True.
    const at = new Date();
    const succeeded = await batch.patchNamespacedJobStatus(
      {
        name: 'work',
        namespace,
        body: {
          status: {
            active: 0,
            succeeded: 1,
            completionTime: at,
            conditions: [
              { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: at },
              { type: 'Complete', status: 'True', lastTransitionTime: at },
            ],
          },
        },
      },
      mergePatch,
    );
    assert.equal(succeeded.status?.succeeded, 1);
    assert.deepEqual(
      succeeded.status?.conditions?.map((c) => c.type),
      ['SuccessCriteriaMet', 'Complete'],
    );

    const pods = await core.listNamespacedPod({ namespace });
    assert.equal(pods.items.length, 0, 'no job controller creates pods');
    const again = await batch.readNamespacedJob({ name: 'work', namespace });
    assert.equal(again.status?.succeeded, 1, 'nothing else rewrites the status');
  });

  await t.test('stop() ends both servers and removes the temporary directory', async () => {
    await env.stop();
    assert.equal(existsSync(dirname(env.kubeconfigPath)), false);
    await assert.rejects(core.listNamespace(), /ECONNREFUSED/);
  });
});
