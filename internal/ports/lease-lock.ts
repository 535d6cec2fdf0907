// The LeaseLock port: one record naming the leader, written with compare-and-set (a Kubernetes Lease,
// or a key in a NATS KV bucket), which is all leader election needs.

export interface LeaseRecord {
  /** The identity of the holder; empty when released. */
  holder: string;
  acquiredAt: string;
  renewedAt: string;
  /** How long the holder's claim lasts without a renewal. */
  durationMs: number;
  /** How many times the lease changed hands. */
  transitions: number;
}

export interface LeaseLock {
  /** For logs: `Lease pixelforge/pixelforge-controller`, `KV pixelforge_leases/controller`. */
  readonly description: string;
  /** The record and its version, or null when nobody ever held the lease. */
  get(): Promise<{ record: LeaseRecord; version: string } | null>;
  /** Creates the record; false when it already exists. */
  create(record: LeaseRecord): Promise<boolean>;
  /** Replaces the record if it is still at `version`; false when someone else wrote first. */
  update(record: LeaseRecord, version: string): Promise<boolean>;
}
