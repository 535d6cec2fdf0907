// Passwords: argon2id from node:crypto (Node ≥ 24.7, no native addon), stored as PHC strings so that the
// parameters can be raised later and old hashes still verify; a policy a person can read; and a verification
// whose cost does not tell an unknown account from a wrong password.
import { argon2, randomBytes, timingSafeEqual, type Argon2Parameters } from 'node:crypto';
import { promisify } from 'node:util';

const derive = promisify(argon2);

/** OWASP's first argon2id profile: 19 MiB, two passes, one lane (about 70 ms on one core here). */
export const ARGON2_DEFAULTS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

type Params =
  typeof ARGON2_DEFAULTS | { memory: number; passes: number; parallelism: number; tagLength: number };

async function hashWith(password: string, nonce: Buffer, p: Params): Promise<Buffer> {
  const parameters: Argon2Parameters = {
    message: Buffer.from(password.normalize('NFKC'), 'utf8'),
    nonce,
    memory: p.memory,
    passes: p.passes,
    parallelism: p.parallelism,
    tagLength: p.tagLength,
  };
  return derive('argon2id', parameters);
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>`, the format argon2's reference tools read. */
export async function hashPassword(password: string, params: Params = ARGON2_DEFAULTS): Promise<string> {
  const salt = randomBytes(16);
  const tag = await hashWith(password, salt, params);
  return `$argon2id$v=19$m=${params.memory},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(tag)}`;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** A hash of nothing in particular, verified against when there is no account: the same work either way. */
let decoy: Promise<string> | undefined;

/**
 * True when `password` matches `stored`. With `stored` null (no such account) it spends the same time on a
 * decoy hash and answers false, so that timing does not reveal which e-mail addresses have accounts.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  decoy ??= hashPassword('decoy password that matches nothing');
  const phc = stored ?? (await decoy);
  const m = PHC.exec(phc);
  if (!m) return false;
  const [, memory, passes, parallelism, salt, expected] = m;
  const want = Buffer.from(expected!, 'base64');
  const got = await hashWith(password, Buffer.from(salt!, 'base64'), {
    memory: Number(memory),
    passes: Number(passes),
    parallelism: Number(parallelism),
    tagLength: want.length,
  });
  return stored !== null && got.length === want.length && timingSafeEqual(got, want);
}

/** True when a stored hash was made with weaker parameters than today's: rehash it at the next login. */
export function needsRehash(stored: string, params: Params = ARGON2_DEFAULTS): boolean {
  const m = PHC.exec(stored);
  return !m || Number(m[1]) < params.memory || Number(m[2]) < params.passes;
}

/** What is wrong with a new password, in one sentence; null when it is acceptable. */
export function passwordProblem(password: string, email: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN)
    return `the password needs at least ${PASSWORD_MIN} characters (it has ${length})`;
  if (length > PASSWORD_MAX) return `the password may have at most ${PASSWORD_MAX} characters`;
  const lower = password.toLowerCase();
  const address = email.trim().toLowerCase();
  const local = address.split('@')[0] ?? '';
  if (lower === address || (local.length >= 4 && lower.includes(local)))
    return 'the password must not contain the e-mail address';
  if (new Set(password).size < 4) return 'the password repeats too few characters';
  return null;
}
