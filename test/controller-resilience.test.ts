// The controller keeps working when its watches break: connections cut (like a restarted load balancer) or
// frozen (half-open, nothing arrives). And with two controllers, a Lease makes exactly one of them act.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeRequest } from '../internal/adapters/k8s/raw-client.ts';
import { API_VERSION, KIND, PLURAL, type EnhancementJob } from '../internal/resources/enhancement-job.ts';
import { eventually } from './support/eventually.ts';
import { startControllerKube } from './support/controller-kube.ts';
import { startControllerHarness } from './support/controller-harness.ts';
import { playNode } from './support/play-node.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

/** The same credentials, pointed at `port` on 127.0.0.1 (the server certificate is for that address). */
function throughProxy(kubeConfig: KubeConfig, port: number): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kubeConfig.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${port}` })),
    users: kubeConfig.users,
    contexts: kubeConfig.contexts,
    currentContext: kubeConfig.currentContext,
  });
  return copy;
}

test('controller resilience on a real API server', async (t) => {
  await using kube = await startControllerKube('pf');
  await using harness = await startControllerHarness(kube.kubeConfig, kube.namespace);
  const node = playNode(kube.kubeConfig, kube.namespace);
  const base = `/apis/${API_VERSION}/namespaces/${kube.namespace}/${PLURAL}`;
  const create = (name: string) =>
    kubeRequest(kube.kubeConfig, 'POST', base, {
      body: {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: { name },
        spec: { source: { imageId: 'x' }, model: 'esrgan-slim' },
      },
    });
  const phaseOf = async (name: string) =>
    (await kubeRequest<EnhancementJob>(kube.kubeConfig, 'GET', `${base}/${name}`)).status?.phase;

  await t.test('watches cut or frozen are resumed, and nothing is missed', async () => {
    const server = new URL(kube.server);
    await using proxy = await startTcpProxy(server.hostname, Number(server.port));
    const { manager } = await harness.start({
      kubeConfig: throughProxy(kube.kubeConfig, proxy.port),
      settings: { quietMs: 1500 },
    });
    await create('before-cut');
    await eventually(async () => assert.equal(await phaseOf('before-cut'), 'Scheduled'), 30_000);

    const startsBeforeCut = manager.informer!.watchStarts;
    proxy.cut();
    await create('after-cut');
    await eventually(async () => assert.equal(await phaseOf('after-cut'), 'Scheduled'), 45_000);
    assert.ok(manager.informer!.watchStarts > startsBeforeCut, 'the watch was started again');

    // Frozen connections look alive; only the silence gives them away. Pooled idle sockets are frozen
    // too, so recovery may take a couple of quiet periods (Node drops idle sockets after 5 s).
    const startsBeforeFreeze = manager.informer!.watchStarts;
    proxy.freeze();
    await create('after-freeze');
    await eventually(async () => assert.equal(await phaseOf('after-freeze'), 'Scheduled'), 30_000, 200);
    assert.ok(manager.informer!.watchStarts > startsBeforeFreeze, 'the quiet watch was replaced');
    await manager.stop();
  });

  await t.test('two controllers: one leads through a Lease, the other takes over when it stops', async () => {
    const settings = { maxRunning: 20 };
    const a = await harness.start({ election: true, identity: 'controller-a', settings });
    const b = await harness.start({ election: true, identity: 'controller-b', settings });
    const leader = await eventually(() => {
      const leaders = [a, b].filter((c) => c.manager.isLeader);
      assert.equal(leaders.length, 1, 'exactly one leader');
      return leaders[0]!;
    }, 30_000);
    const standby = leader === a ? b : a;
    const lease = await kubeRequest<{ spec: { holderIdentity: string } }>(
      kube.kubeConfig,
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${kube.namespace}/leases/pixelforge-controller`,
    );
    assert.equal(lease.spec.holderIdentity, leader === a ? 'controller-a' : 'controller-b');

    for (const name of ['elected-1', 'elected-2', 'elected-3']) await create(name);
    await eventually(async () => {
      for (const name of ['elected-1', 'elected-2', 'elected-3'])
        assert.equal(await phaseOf(name), 'Scheduled');
    }, 30_000);
    assert.equal(standby.store.writes, 0, 'the standby wrote nothing');

    await leader.manager.stop();
    await eventually(() => assert.ok(standby.manager.isLeader, 'the standby took over'), 30_000);
    await node.succeeded('elected-1-1');
    await create('elected-4');
    await eventually(async () => {
      assert.equal(await phaseOf('elected-1'), 'Succeeded');
      assert.equal(await phaseOf('elected-4'), 'Scheduled');
    }, 30_000);
    for (const name of ['elected-1', 'elected-2', 'elected-3', 'elected-4']) {
      assert.equal((await node.jobs(name)).length, 1, `${name} has exactly one worker Job`);
    }
  });
});
