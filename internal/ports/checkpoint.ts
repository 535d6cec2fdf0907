// The Checkpoint port: where an ordered projection records the last stream sequence it has applied, kept
// in the same store as its read models so that a store which loses its last writes also loses the
// checkpoint's, and the events behind those writes are delivered again instead of skipped.
export interface Checkpoint {
  /** The last stream sequence applied, 0 when nothing was. */
  load(): Promise<number>;
  /** Records that everything up to `seq` is applied; never moves the position back. */
  save(seq: number): Promise<void>;
  /** Forgets the position (a rebuild starts from the beginning). */
  reset(): Promise<void>;
}
