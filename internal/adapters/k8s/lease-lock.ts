// LeaseLock on a coordination.k8s.io/v1 Lease, the object Kubernetes controllers elect leaders with.
import type { KubeConfig } from '@kubernetes/client-node';
import type { LeaseLock, LeaseRecord } from '../../ports/lease-lock.ts';
import { KubeApiError, kubeRequest } from './raw-client.ts';

interface Lease {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** MicroTime wants exactly six fractional digits. */
const microTime = (iso: string) => new Date(iso).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** The Lease `name` in `namespace`. */
export function createK8sLeaseLock(kubeConfig: KubeConfig, namespace: string, name: string): LeaseLock {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  const toLease = (record: LeaseRecord, resourceVersion?: string): Lease => ({
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      holderIdentity: record.holder,
      leaseDurationSeconds: Math.max(1, Math.ceil(record.durationMs / 1000)),
      acquireTime: microTime(record.acquiredAt),
      renewTime: microTime(record.renewedAt),
      leaseTransitions: record.transitions,
    },
  });
  const conflict = (err: unknown) => {
    if (err instanceof KubeApiError && err.code === 409) return false;
    throw err;
  };
  return {
    description: `Lease ${namespace}/${name}`,
    async get() {
      let lease: Lease;
      try {
        lease = await kubeRequest<Lease>(kubeConfig, 'GET', `${base}/${name}`);
      } catch (err) {
        if (err instanceof KubeApiError && err.code === 404) return null;
        throw err;
      }
      const spec = lease.spec ?? {};
      return {
        version: lease.metadata.resourceVersion ?? '',
        record: {
          holder: spec.holderIdentity ?? '',
          acquiredAt: spec.acquireTime ?? new Date(0).toISOString(),
          renewedAt: spec.renewTime ?? new Date(0).toISOString(),
          durationMs: (spec.leaseDurationSeconds ?? 0) * 1000,
          transitions: spec.leaseTransitions ?? 0,
        },
      };
    },
    create: (record) =>
      kubeRequest(kubeConfig, 'POST', base, { body: toLease(record) }).then(() => true, conflict),
    update: (record, version) =>
      kubeRequest(kubeConfig, 'PUT', `${base}/${name}`, { body: toLease(record, version) }).then(
        () => true,
        conflict,
      ),
  };
}
