// A real API server with the EnhancementJob CRD installed and a namespace, for the controller's tests.
import { CoreV1Api } from '@kubernetes/client-node';
import { installCrd } from '../../internal/adapters/k8s/install-crd.ts';
import { enhancementJobCrd } from '../../internal/resources/crd.ts';
import { startKubeApiServer, type KubeTestEnv } from './kube-apiserver.ts';

/** A control plane ready for EnhancementJobs in `namespace`. */
export interface ControllerKube extends KubeTestEnv {
  namespace: string;
}

/**
 * Starts etcd + kube-apiserver, installs the CRD once (its first write is held back ~2 s by the server,
 * so tests share one install) and creates `namespace`.
 */
export async function startControllerKube(namespace = 'pixelforge'): Promise<ControllerKube> {
  const env = await startKubeApiServer();
  try {
    await installCrd(env.kubeConfig, enhancementJobCrd());
    await env.kubeConfig
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: namespace } } });
    return Object.assign(env, { namespace });
  } catch (err) {
    await env.stop();
    throw err;
  }
}
