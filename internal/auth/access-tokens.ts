// Access tokens: short-lived JWTs signed with Ed25519 (EdDSA) by jose. The algorithm is fixed here, not read
// from the token: `alg: none`, HS256 made with a public key as the secret, or any other algorithm is refused.
// Keys rotate by `kid`: the first key of the set signs, every key of the set verifies, so a new key is added
// first, becomes the signer, and the old one is removed once the tokens it signed have expired.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { SignJWT, importJWK, jwtVerify, errors, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { PixelforgeError, UnauthorizedError } from '../errors/errors.ts';

export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';

/** A private signing key as stored in configuration: an OKP/Ed25519 JWK with its `kid`. */
export type SigningJwk = JWK & { kid: string; kty: 'OKP'; crv: 'Ed25519'; d: string };

export interface AccessClaims {
  /** The user id. */
  sub: string;
  role: 'admin' | 'reviewer' | 'user';
  /** The refresh-token family this access token belongs to: logout revokes it. */
  sid: string;
}

export interface AccessTokens {
  issue(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }>;
  /** The claims of a valid token; throws `unauthorized` naming what is wrong otherwise. */
  verify(token: string): Promise<AccessClaims & { exp: number; jti: string }>;
}

export interface AccessTokenOptions {
  /** The set, newest (the signer) first. */
  keys: SigningJwk[];
  issuer: string;
  audience: string;
  ttlSeconds?: number;
  /** Allowed clock difference between ingress replicas, in seconds. */
  clockToleranceSeconds?: number;
  now?: () => Date;
}

/** A new Ed25519 signing key with a random `kid`, for configuration or `npm start`'s data directory. */
export function generateSigningKey(): SigningJwk {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomUUID(),
    alg: ACCESS_TOKEN_ALGORITHM,
  } as SigningJwk;
}

/** Parses PIXELFORGE_JWT_KEYS: a JSON array of Ed25519 private JWKs with `kid`, the signer first. */
export function parseSigningKeys(text: string): SigningJwk[] {
  let keys: unknown;
  try {
    keys = JSON.parse(text);
  } catch {
    throw new Error(
      'PIXELFORGE_JWT_KEYS is not JSON: give an array of Ed25519 private JWKs, the signer first',
    );
  }
  if (!Array.isArray(keys) || keys.length === 0)
    throw new Error('PIXELFORGE_JWT_KEYS must be a non-empty array of JWKs');
  for (const [i, key] of keys.entries()) {
    const k = key as Partial<SigningJwk>;
    if (
      k.kty !== 'OKP' ||
      k.crv !== 'Ed25519' ||
      typeof k.d !== 'string' ||
      typeof k.x !== 'string' ||
      !k.kid
    )
      throw new Error(`PIXELFORGE_JWT_KEYS[${i}] is not an Ed25519 private JWK with a kid`);
  }
  return keys as SigningJwk[];
}

const unauthorized = (message: string) => new UnauthorizedError(message);

export function createAccessTokens(options: AccessTokenOptions): AccessTokens {
  const {
    keys,
    issuer,
    audience,
    ttlSeconds = 900,
    clockToleranceSeconds = 5,
    now = () => new Date(),
  } = options;
  if (keys.length === 0) throw new Error('access tokens need at least one signing key');
  const signer = keys[0]!;
  // Imported once, on first use: the caller need not wait at construction.
  const imported = (async () => {
    const privateKey = (await importJWK(signer, ACCESS_TOKEN_ALGORITHM)) as CryptoKey;
    const publicKeys = new Map<string, CryptoKey>();
    for (const key of keys) {
      const { d: _private, ...pub } = key;
      publicKeys.set(key.kid, (await importJWK(pub, ACCESS_TOKEN_ALGORITHM)) as CryptoKey);
    }
    return { privateKey, publicKeys };
  })();
  imported.catch(() => {});

  return {
    async issue(claims) {
      const { privateKey } = await imported;
      const issuedAt = Math.floor(now().getTime() / 1000);
      const exp = issuedAt + ttlSeconds;
      const token = await new SignJWT({ role: claims.role, sid: claims.sid })
        .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: signer.kid, typ: 'at+jwt' })
        .setSubject(claims.sub)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(exp)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresAt: new Date(exp * 1000) };
    },

    async verify(token) {
      const { publicKeys } = await imported;
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          token,
          async (header) => {
            const key = header.kid === undefined ? undefined : publicKeys.get(header.kid);
            if (!key) throw unauthorized('the token was signed with a key this server does not know');
            return key;
          },
          {
            algorithms: [ACCESS_TOKEN_ALGORITHM],
            issuer,
            audience,
            typ: 'at+jwt',
            clockTolerance: clockToleranceSeconds,
            currentDate: now(),
            requiredClaims: ['sub', 'exp', 'nbf', 'iat', 'jti'],
          },
        ));
      } catch (err) {
        if (err instanceof PixelforgeError) throw err;
        if (err instanceof errors.JWTExpired) throw unauthorized('the token has expired: refresh it');
        if (err instanceof errors.JWTClaimValidationFailed)
          throw unauthorized(`the token is not valid here (${err.claim} ${err.reason})`);
        throw unauthorized('the token is not valid');
      }
      const { sub, role, sid, exp, jti } = payload as JWTPayload & Partial<AccessClaims>;
      if (
        typeof sub !== 'string' ||
        typeof sid !== 'string' ||
        !['admin', 'reviewer', 'user'].includes(role!)
      )
        throw unauthorized('the token is not valid');
      return { sub, role: role!, sid, exp: exp!, jti: jti! };
    },
  };
}
