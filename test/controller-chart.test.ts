// The Helm chart, rendered by the real helm CLI: every object passes a server-side dry run on a real API
// server (strict field validation), the values schema refuses bad values, the ConfigMap is a valid
// controller configuration, and the controller runs a job end to end with nothing but the chart's RBAC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, parseDocument } from 'yaml';
import { installCrd } from '../internal/adapters/k8s/install-crd.ts';
import type { KubeApiError } from '../internal/adapters/k8s/raw-client.ts';
import { kubeRequest } from '../internal/adapters/k8s/raw-client.ts';
import { loadConfig } from '../internal/config/config.ts';
import { createNatsPublisher } from '../internal/adapters/nats/publisher.ts';
import { API_VERSION, PLURAL, type EnhancementJob } from '../internal/resources/enhancement-job.ts';
import { startControllerHarness } from './support/controller-harness.ts';
import { startControllerKube } from './support/controller-kube.ts';
import { eventually } from './support/eventually.ts';
import { chartImporterFlags, helm } from './support/helm.ts';
import { playNode } from './support/play-node.ts';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

const NAMESPACE = 'pf';
const render = async (...sets: string[]) => {
  const args = ['template', 'pf', 'charts/pixelforge', '--namespace', NAMESPACE, '--kube-version', '1.36.3'];
  // `-f file` passes a values file (skaffold's dev values); anything else is a --set.
  const flags = sets.flatMap((s) => (s.startsWith('-f ') ? ['-f', s.slice(3)] : ['--set', s]));
  const text = await helm([...args, ...flags]);
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => !!m);
};

/** The collection URL of a namespaced object. */
function collectionOf(m: Manifest): string {
  const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/') : ['', m.apiVersion];
  const plural = m.kind.toLowerCase().replace(/y$/, 'ie') + 's';
  const root = group ? `/apis/${group}/${version}` : `/api/${version}`;
  return `${root}/namespaces/${NAMESPACE}/${plural}`;
}

/** A kubeconfig that authenticates as the chart's controller ServiceAccount. */
async function serviceAccountConfig(admin: KubeConfig, name: string): Promise<KubeConfig> {
  const { status } = await kubeRequest<{ status: { token: string } }>(
    admin,
    'POST',
    `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${name}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: admin.clusters,
    users: [{ name, token: status.token }],
    contexts: [{ name, cluster: admin.clusters[0]!.name, user: name }],
    currentContext: name,
  });
  return config;
}

test('the Helm chart', async (t) => {
  await using kube = await startControllerKube(NAMESPACE);
  const everything = await render(
    'mongo.url=mongodb://mongo:27017/?replicaSet=rs0',
    `apiKeys.hashes=ops:${'a'.repeat(64)}`,
    'metrics.serviceMonitor.enabled=true',
    'networkPolicy.enabled=true',
    'networkPolicy.ingressFrom[0].team=web',
    'worker.nodeSelector.gpu=a100',
    'accounts.jwtKeysSecret=pf-jwt',
    'accounts.publicReads=true',
    'accounts.adminEmail=ops@example.com',
  );

  await t.test('every rendered object passes a strict server-side dry run', async () => {
    // Only so the API server routes ServiceMonitor: a stand-in CRD that accepts any spec (schema not checked).
    await installCrd(kube.kubeConfig, {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'servicemonitors.monitoring.coreos.com' },
      spec: {
        group: 'monitoring.coreos.com',
        scope: 'Namespaced',
        names: { plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    } as { metadata: { name: string } });
    const kinds = everything.map((m) => m.kind).sort();
    for (const kind of [
      'ConfigMap',
      'Deployment',
      'NetworkPolicy',
      'Role',
      'RoleBinding',
      'Secret',
      'Service',
    ]) {
      assert.ok(kinds.includes(kind), `renders a ${kind}`);
    }
    for (const manifest of everything) {
      await kubeRequest(kube.kubeConfig, 'POST', collectionOf(manifest), {
        body: manifest,
        query: { dryRun: 'All', fieldValidation: 'Strict' },
      }).catch((err: Error) => assert.fail(`${manifest.kind}/${manifest.metadata.name}: ${err.message}`));
    }
  });

  await t.test(
    "defaults and skaffold's dev values render; the values schema refuses bad values",
    async () => {
      const dev = await render('-f deploy/dev-values.yaml');
      const devConfig = dev.find((m) => m.kind === 'ConfigMap') as Manifest & {
        data: Record<string, string>;
      };
      assert.equal(loadConfig(devConfig.data).PIXELFORGE_WORKER_GPUS, 0);
      const defaults = await render();
      assert.ok(!defaults.some((m) => m.kind === 'Secret'), 'no Secret without a URL or keys to keep');
      await assert.rejects(render('controller.maxRunningJobs=0'), /maxRunningJobs/);
      await assert.rejects(render('worker.gpu.cont=1'), /additional properties 'cont'/);
      await assert.rejects(render('nats.url=http://nats'), /nats/);
      await assert.rejects(render('importer.nodeFlags[0]=cmd/evil.ts'), /nodeFlags/);
    },
  );

  await t.test('the sample EnhancementJobs in deploy/samples pass a server-side dry run', async () => {
    const dir = 'deploy/samples';
    const samples = (await readdir(dir)).filter((f) => f.endsWith('.yaml') && f !== 'cancel.yaml');
    assert.ok(samples.length >= 3);
    for (const file of samples) {
      const sample = parseDocument(await readFile(join(dir, file), 'utf8')).toJS() as Manifest;
      await kubeRequest(kube.kubeConfig, 'POST', `/apis/${API_VERSION}/namespaces/${NAMESPACE}/${PLURAL}`, {
        body: sample,
        query: { dryRun: 'All', fieldValidation: 'Strict' },
      }).catch((err: Error) => assert.fail(`${file}: ${err.message}`));
    }
  });

  await t.test('the ConfigMap is a valid controller configuration with the worker settings', async () => {
    const configMap = everything.find((m) => m.kind === 'ConfigMap') as Manifest & {
      data: Record<string, string>;
    };
    const config = loadConfig(configMap.data);
    assert.equal(config.PIXELFORGE_RUNTIME, 'kubernetes');
    assert.equal(config.PIXELFORGE_NAMESPACE, NAMESPACE);
    assert.equal(config.PIXELFORGE_WORKER_GPUS, 1);
    // The chart's default GPU provider is one the default image can run (no CUDA libraries in it).
    assert.equal(config.PIXELFORGE_WORKER_GPU_PROVIDER, 'webgpu');
    assert.deepEqual(config.PIXELFORGE_WORKER_NODE_SELECTOR, { gpu: 'a100' });
    assert.equal(config.PIXELFORGE_WORKER_TOLERATIONS[0]?.key, 'nvidia.com/gpu');
    assert.equal(config.PIXELFORGE_WORKER_ENV_SECRET, 'pf-pixelforge-secrets');
    assert.equal(config.PIXELFORGE_PUBLIC_READS, true);
    assert.equal(config.PIXELFORGE_ADMIN_EMAIL, 'ops@example.com');
    const ingress = everything.find(
      (m) => m.kind === 'Deployment' && m.metadata.name.endsWith('ingress'),
    ) as unknown as { spec: { template: { spec: { containers: { env: unknown[] }[] } } } };
    assert.deepEqual(
      ingress.spec.template.spec.containers[0]!.env.find(
        (e) => (e as { name: string }).name === 'PIXELFORGE_JWT_KEYS',
      ),
      {
        name: 'PIXELFORGE_JWT_KEYS',
        valueFrom: { secretKeyRef: { name: 'pf-jwt', key: 'PIXELFORGE_JWT_KEYS' } },
      },
      'every ingress replica signs with the same keys',
    );
    const controller = everything.find(
      (m) => m.kind === 'Deployment' && m.metadata.name.endsWith('controller'),
    ) as unknown as {
      spec: {
        template: {
          spec: { containers: Record<string, unknown>[]; securityContext: { runAsNonRoot: boolean } };
        };
      };
    };
    const pod = controller.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    const importer = everything.find(
      (m) => m.kind === 'Deployment' && m.metadata.name.endsWith('importer'),
    ) as unknown as { spec: { template: { spec: { containers: { command: string[] }[] } } } };
    assert.deepEqual(
      importer.spec.template.spec.containers[0]!.command,
      ['node', ...(await chartImporterFlags()), 'cmd/importer/main.ts'],
      "the importer runs with the values' Node flags (a small young generation keeps its RSS down)",
    );
    assert.ok(
      pod.containers[0]!.livenessProbe && pod.containers[0]!.readinessProbe && pod.containers[0]!.resources,
    );
  });

  await t.test('the chart RBAC is all the controller needs, and no more', async () => {
    for (const m of everything.filter((x) => ['ServiceAccount', 'Role', 'RoleBinding'].includes(x.kind))) {
      await kubeRequest(kube.kubeConfig, 'POST', collectionOf(m), { body: m });
    }
    const asController = await serviceAccountConfig(kube.kubeConfig, 'pf-pixelforge-controller');
    const forbidden = await kubeRequest(asController, 'GET', '/api/v1/namespaces/pf/secrets').then(
      () => 0,
      (err: KubeApiError) => err.code,
    );
    assert.equal(forbidden, 403, 'no access to Secrets');
    const elsewhere = await kubeRequest(asController, 'GET', '/apis/batch/v1/namespaces/default/jobs').then(
      () => 0,
      (err: KubeApiError) => err.code,
    );
    assert.equal(elsewhere, 403, 'no access outside its namespace');

    await using harness = await startControllerHarness(kube.kubeConfig, NAMESPACE);
    await harness.start({ kubeConfig: asController, election: true, identity: 'rbac' });
    await createNatsPublisher(harness.bus.js, { source: 'test' }).publish(
      'pf.enhancement.requested',
      'via-rbac',
      {
        jobId: 'via-rbac',
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
      },
    );
    const base = `/apis/${API_VERSION}/namespaces/${NAMESPACE}/${PLURAL}`;
    const node = playNode(kube.kubeConfig, NAMESPACE);
    await eventually(async () => assert.equal((await node.jobs('via-rbac')).length, 1), 45_000);
    await node.succeeded('via-rbac-1');
    await eventually(async () => {
      const job = await kubeRequest<EnhancementJob>(kube.kubeConfig, 'GET', `${base}/via-rbac`);
      assert.equal(job.status?.phase, 'Succeeded');
    }, 45_000);
    // Events are best effort (a missing permission is only logged), so check that they got through.
    await eventually(async () => {
      const events = await kubeRequest<{
        items: { regarding: { name: string }; reportingInstance: string }[];
      }>(kube.kubeConfig, 'GET', `/apis/events.k8s.io/v1/namespaces/${NAMESPACE}/events`);
      assert.ok(events.items.some((e) => e.regarding.name === 'via-rbac' && e.reportingInstance === 'rbac'));
    });
    await kubeRequest(kube.kubeConfig, 'DELETE', `${base}/via-rbac`);
    await eventually(
      () => assert.rejects(kubeRequest(kube.kubeConfig, 'GET', `${base}/via-rbac`), /404/),
      20_000,
    );
  });
});

test('the Dockerfile copies files that exist and runs as a non-root user', async () => {
  // No Docker daemon here to build it; this at least catches a moved path or a root runtime stage.
  const text = await readFile('deploy/Dockerfile', 'utf8');
  const sources = [...text.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  assert.ok(sources.length > 3);
  for (const source of sources)
    await readFile(source).catch(async () => assert.ok((await readdir(source)).length, source));
  const runtime = text.slice(text.lastIndexOf('FROM '));
  assert.match(runtime, /^USER 10001:10001$/m);
  for (const process of ['ingress', 'projector', 'importer', 'controller', 'worker']) {
    await readFile(`cmd/${process}/main.ts`);
  }
});
