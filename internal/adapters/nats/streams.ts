// Stream definitions and their idempotent provisioning.
import { RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { STREAMS } from '../../events/catalog.ts';

const TWO_MINUTES_NS = 2 * 60 * 1_000_000_000;
const THIRTY_DAYS_NS = 30 * 24 * 3600 * 1_000_000_000;

function configs(): (Partial<StreamConfig> & { name: string })[] {
  const base = {
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: TWO_MINUTES_NS,
  };
  return [
    // The image log is the source of truth the read models are rebuilt from: kept forever.
    { ...base, name: STREAMS.images.name, subjects: [...STREAMS.images.subjects] },
    { ...base, name: STREAMS.jobs.name, subjects: [...STREAMS.jobs.subjects] },
    { ...base, name: STREAMS.imports.name, subjects: [...STREAMS.imports.subjects] },
    {
      ...base,
      name: STREAMS.deadLetters.name,
      subjects: [...STREAMS.deadLetters.subjects],
      max_age: THIRTY_DAYS_NS,
    },
  ];
}

/** Creates missing streams and updates the subjects of existing ones; running it twice changes nothing. */
export async function ensureStreams(jsm: JetStreamManager): Promise<void> {
  for (const config of configs()) {
    const name = config.name;
    const existing = await jsm.streams.info(name).catch((err: Error) => {
      if (/stream not found/i.test(err.message)) return null;
      throw err;
    });
    if (!existing) {
      await jsm.streams.add(config);
    } else if (existing.config.subjects?.join() !== config.subjects?.join()) {
      await jsm.streams.update(name, { ...existing.config, subjects: config.subjects });
    }
  }
}
