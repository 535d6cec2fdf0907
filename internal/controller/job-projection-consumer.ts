// The durable consumer that keeps the `jobs` read model: every request and lifecycle event, in order.
import { STREAMS } from '../events/catalog.ts';
import { ack, type ConsumerSpec } from '../ports/event-bus.ts';
import type { AnyEvent } from '../events/catalog.ts';
import type { Logger } from '../telemetry/logger.ts';

export const JOB_PROJECTION_CONSUMER = 'projector-jobs';

/** The read model as the consumer needs it. */
export interface JobReadModel {
  apply(event: AnyEvent, seq: number): Promise<boolean>;
}

/** One event at a time: the fold reads then writes each job's document. */
export function jobProjectionConsumer(projection: JobReadModel, logger: Logger): ConsumerSpec {
  return {
    name: JOB_PROJECTION_CONSUMER,
    stream: STREAMS.jobs.name,
    concurrency: 1,
    handler: async ({ event, seq }) => {
      const changed = await projection.apply(event, seq);
      logger.debug('job projected', { type: event.type, seq, changed });
      return ack;
    },
  };
}
