// Installs or updates a CustomResourceDefinition and waits until the API server serves it.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, kubeRequest } from './raw-client.ts';

/** Options of {@link installCrd}. */
export interface InstallCrdOptions {
  /** How long to wait for the CRD to be Established (default 60 000 ms). */
  timeoutMs?: number;
}

interface Crd {
  metadata: { name: string; resourceVersion?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Creates the CRD, or replaces it when it exists, then waits until it is Established. */
export async function installCrd(
  kubeConfig: KubeConfig,
  crd: { metadata: { name: string } },
  { timeoutMs = 60_000 }: InstallCrdOptions = {},
): Promise<void> {
  const name = crd.metadata.name;
  try {
    await kubeRequest(kubeConfig, 'POST', CRDS, { body: crd });
  } catch (err) {
    if (!(err instanceof KubeApiError) || err.code !== 409) throw err;
    const current = await kubeRequest<Crd>(kubeConfig, 'GET', `${CRDS}/${name}`);
    await kubeRequest(kubeConfig, 'PUT', `${CRDS}/${name}`, {
      body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata.resourceVersion } },
    });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await kubeRequest<Crd>(kubeConfig, 'GET', `${CRDS}/${name}`);
    const established = current.status?.conditions?.find((c) => c.type === 'Established');
    if (established?.status === 'True') return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
