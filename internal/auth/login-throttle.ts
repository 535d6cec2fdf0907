// Login throttling: failed attempts counted per account (the compared e-mail, whether or not it exists, so
// that a throttle does not reveal accounts) and per client address, over a sliding window. Over the limit, a
// login is refused with the seconds until the oldest failure in the window expires (429 + Retry-After).
// The counts live in this process: with several ingress replicas each counts its own share, so the effective
// limit is the limit times the replicas (a shared store would tighten it; see the README).

export interface ThrottleOptions {
  windowMs?: number;
  perAccount?: number;
  perAddress?: number;
  /** Keys tracked at most (old ones are dropped first): bounds memory under a spray of addresses. */
  maxKeys?: number;
  now?: () => number;
}

export interface LoginThrottle {
  /** Seconds to wait before trying again, or 0 when a login may be tried now. */
  retryAfter(account: string, address: string): number;
  failed(account: string, address: string): void;
  /** A success clears the account's failures (not the address's: one good password does not excuse a spray). */
  succeeded(account: string): void;
}

export function createLoginThrottle({
  windowMs = 15 * 60_000,
  perAccount = 5,
  perAddress = 30,
  maxKeys = 100_000,
  now = Date.now,
}: ThrottleOptions = {}): LoginThrottle {
  const failures = new Map<string, number[]>();
  const recent = (key: string) => {
    const since = now() - windowMs;
    const times = (failures.get(key) ?? []).filter((t) => t > since);
    if (times.length) failures.set(key, times);
    else failures.delete(key);
    return times;
  };
  const wait = (key: string, limit: number) => {
    const times = recent(key);
    return times.length < limit ? 0 : Math.ceil((times[times.length - limit]! + windowMs - now()) / 1000);
  };
  const add = (key: string) => {
    const times = recent(key);
    times.push(now());
    failures.delete(key);
    failures.set(key, times);
    while (failures.size > maxKeys) failures.delete(failures.keys().next().value!);
  };
  return {
    retryAfter: (account, address) =>
      Math.max(wait(`a:${account}`, perAccount), wait(`ip:${address}`, perAddress)),
    failed(account, address) {
      add(`a:${account}`);
      add(`ip:${address}`);
    },
    succeeded: (account) => void failures.delete(`a:${account}`),
  };
}
