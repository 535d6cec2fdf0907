// Identifiers: ULIDs for everything Pixelforge creates, and name-derived ids for groups.
import { createHash, randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

// ulid's own generator asks the CSPRNG for one byte per character (16 calls per id, a measurable part of an
// upload's CPU); the same bytes, drawn from a pool refilled 256 at a time, give the same distribution.
const randomBytes = new Uint8Array(256);
let nextByte = randomBytes.length;
const nextUlid = monotonicFactory(() => {
  if (nextByte === randomBytes.length) {
    randomFillSync(randomBytes);
    nextByte = 0;
  }
  return randomBytes[nextByte++]! / 256;
});
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** A new ULID: 26 Crockford base32 characters, sortable by creation time. */
export function newId(): string {
  return nextUlid();
}

/** True when `value` has the shape of a Pixelforge id (a ULID or a name-derived group id). */
export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** Normalises a group name for identity: trimmed, inner whitespace collapsed, case-insensitive. */
export function normaliseGroupName(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * The id of the group with this name. Derived from the name so that concurrent uploads naming the same
 * new group agree on its id without coordination; JetStream de-duplicates the creation events. Each
 * `namespace` (an account) has its own names; without one, the installation's shared names.
 */
export function groupIdForName(name: string, namespace?: string): string {
  const key =
    namespace === undefined ? normaliseGroupName(name) : `${namespace}\n${normaliseGroupName(name)}`;
  const digest = createHash('sha256').update(key).digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 17)) bits = (bits << 8n) | BigInt(byte);
  let id = '';
  for (let i = 0; i < 26; i++) {
    id = CROCKFORD[Number(bits & 31n)] + id;
    bits >>= 5n;
  }
  // The first character is kept in the ULID time range (0-7) so ids still parse as ULIDs.
  return String(Number(bits & 7n)) + id.slice(1);
}

/**
 * An id derived from `key`, in the time of `parent` (a ULID): the same key gives the same id, so a step that
 * may run twice (an import resumed after a crash) names the same entity both times, and it sorts with its parent.
 */
export function derivedId(parent: string, key: string): string {
  const digest = createHash('sha256').update(`${parent}\n${key}`).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[digest[i]! & 31];
  return parent.slice(0, 10).toUpperCase() + random;
}
