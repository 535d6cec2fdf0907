// The controller's durable JetStream consumers: enhancement requests (in order) and worker reports.
import { startConsumer } from '../adapters/nats/consumer.ts';
import type { Bus } from '../adapters/nats/connect.ts';
import type { ControllerHandlers } from '../controller/manager.ts';
import { STREAMS } from '../events/catalog.ts';
import type { RunningConsumer } from '../ports/event-bus.ts';
import type { Logger } from '../telemetry/logger.ts';

export const REQUESTS_CONSUMER = 'controller-requests';
export const REPORTS_CONSUMER = 'controller-reports';

/** The controller's durable consumers over `bus`: requests, worker reports, and (optionally) the jobs read model. */
export function controllerConsumers(
  bus: Bus,
  logger: Logger,
  extra: () => Promise<RunningConsumer[]> = async () => [],
) {
  return async (handlers: ControllerHandlers): Promise<RunningConsumer[]> => [
    await startConsumer(
      bus,
      {
        name: REQUESTS_CONSUMER,
        stream: STREAMS.jobs.name,
        filterSubject: 'pf.enhancement.>',
        // A cancel that overtakes its request is retried until the job exists (see event-handlers.ts).
        concurrency: 8,
        maxDeliveries: 20,
        handler: handlers.requests,
      },
      { logger },
    ),
    await startConsumer(
      bus,
      {
        name: REPORTS_CONSUMER,
        stream: STREAMS.jobs.name,
        filterSubject: 'pf.job.>',
        concurrency: 32,
        ackWaitMs: 60_000,
        // A success report waits for its Job to complete; that may take a few redeliveries.
        maxDeliveries: 100,
        handler: handlers.reports,
      },
      { logger },
    ),
    ...(await extra()),
  ];
}
