// LeaseLock on a NATS KV key, for the local mode: create-if-absent and update-at-revision are exactly the
// compare-and-set a lease needs; expiry is judged by the elector from the record, so no TTL is needed.
import { Kvm } from '@nats-io/kv';
import type { LeaseLock, LeaseRecord } from '../../ports/lease-lock.ts';
import type { Bus } from './connect.ts';

export const LEASES_BUCKET = 'pixelforge_leases';

const lostRace = (err: unknown) => {
  if (/wrong last sequence|key exists/i.test(String((err as Error)?.message))) return false;
  throw err;
};

/** The lease stored under `key` (letters, digits, `-`, `_`, `.`). */
export async function createKvLeaseLock(bus: Bus, key: string, bucket = LEASES_BUCKET): Promise<LeaseLock> {
  const kv = await new Kvm(bus.js).create(bucket, { history: 1 });
  const encode = (record: LeaseRecord) => JSON.stringify(record);
  return {
    description: `KV ${bucket}/${key}`,
    async get() {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') return null;
      return { record: entry.json<LeaseRecord>(), version: String(entry.revision) };
    },
    create: (record) => kv.create(key, encode(record)).then(() => true, lostRace),
    update: (record, version) => kv.update(key, encode(record), Number(version)).then(() => true, lostRace),
  };
}
