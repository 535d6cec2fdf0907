// Whether the login (session family) of an access token has ended: asked on every authenticated request, so
// that logging out, or a refresh token's reuse, ends its access tokens too instead of leaving them valid for
// their last minutes. Answers are cached: an ended session for good, a live one for a few seconds, so another
// replica's logout takes effect within `liveForMs`, and this process's at once (it marks its own).
export interface SessionRevocations {
  ended(sessionId: string): Promise<boolean>;
  /** Records an ending made by this process. */
  mark(sessionId: string): void;
}

export function createSessionRevocations(
  revoked: (sessionId: string) => Promise<boolean>,
  { liveForMs = 5000, max = 100_000, now = () => Date.now() } = {},
): SessionRevocations {
  const cache = new Map<string, { ended: boolean; at: number }>();
  const remember = (sessionId: string, ended: boolean) => {
    // A Map iterates in insertion order: the first key is the oldest entry.
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.delete(sessionId);
    cache.set(sessionId, { ended, at: now() });
  };
  return {
    async ended(sessionId) {
      const known = cache.get(sessionId);
      if (known && (known.ended || now() - known.at < liveForMs)) return known.ended;
      const ended = await revoked(sessionId);
      remember(sessionId, ended);
      return ended;
    },
    mark(sessionId) {
      remember(sessionId, true);
    },
  };
}
