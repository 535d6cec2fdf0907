// The durable consumer that keeps the `jobs` read model: every request and lifecycle event, in order.
import { STREAMS } from '../events/catalog.ts';
import type { ConsumerSpec } from '../ports/event-bus.ts';
import type { AnyEvent } from '../events/catalog.ts';
import type { Checkpoint } from '../ports/checkpoint.ts';
import type { Logger } from '../telemetry/logger.ts';

export const JOB_PROJECTION_CONSUMER = 'projector-jobs';

/** The read model as the consumer needs it. */
export interface JobReadModel {
  apply(event: AnyEvent, seq: number): Promise<boolean>;
}

/** Largest batch of job events applied before the checkpoint is saved. */
const JOB_PROJECTION_BATCH = 64;

/**
 * In stream order, in batches (the fold reads then writes each job's document, one event after another);
 * `checkpoint` lives with the `jobs` read model, and the consumer resumes from it.
 */
export function jobProjectionConsumer(
  projection: JobReadModel,
  checkpoint: Checkpoint,
  logger: Logger,
): ConsumerSpec {
  return {
    name: JOB_PROJECTION_CONSUMER,
    stream: STREAMS.jobs.name,
    concurrency: 1,
    batch: {
      maxSize: JOB_PROJECTION_BATCH,
      checkpoint,
      handler: async (deliveries) => {
        for (const { event, seq } of deliveries) {
          const changed = await projection.apply(event, seq);
          logger.debug('job projected', { type: event.type, seq, changed });
        }
        return deliveries.map(() => 'ack' as const);
      },
    },
  };
}
