// EventRecorder on the Kubernetes events.k8s.io/v1 API: one Event per call, regarding the EnhancementJob,
// reported as `pixelforge.io/controller` by this controller's identity.
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { EventRecorder } from '../../ports/event-recorder.ts';
import { API_VERSION, KIND } from '../../resources/enhancement-job.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { kubeRequest } from './raw-client.ts';

export const REPORTING_CONTROLLER = 'pixelforge.io/controller';

/** Options of {@link createK8sEventRecorder}. */
export interface K8sEventRecorderOptions {
  namespace: string;
  /** This controller replica (the leader election identity). */
  identity: string;
  logger: Logger;
}

/** Records Events in `namespace`; failures are logged at debug level and otherwise ignored. */
export function createK8sEventRecorder(
  kubeConfig: KubeConfig,
  { namespace, identity, logger }: K8sEventRecorderOptions,
): EventRecorder {
  const path = `/apis/events.k8s.io/v1/namespaces/${namespace}/events`;
  return {
    record(job, { type, reason, note }) {
      const body = {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        // Upstream recorders name events `<object>.<unique suffix>` too.
        metadata: { name: `${job.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        // MicroTime: the server wants six fractional digits.
        eventTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: identity.slice(0, 128),
        action: reason,
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: {
          apiVersion: API_VERSION,
          kind: KIND,
          name: job.metadata.name,
          namespace,
          uid: job.metadata.uid,
          resourceVersion: job.metadata.resourceVersion,
        },
      };
      kubeRequest(kubeConfig, 'POST', path, { body }).catch((err: unknown) =>
        logger.debug('event not recorded', { job: job.metadata.name, reason, err }),
      );
    },
  };
}
