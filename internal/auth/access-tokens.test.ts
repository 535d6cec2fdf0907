// Each case is an attack a token check must stop; each fails without its protection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT, importJWK, decodeJwt } from 'jose';
import { createAccessTokens, generateSigningKey } from './access-tokens.ts';

const claims = { sub: 'U1', role: 'user' as const, sid: 'F1' };
const base = { issuer: 'https://pixelforge.test', audience: 'pixelforge-api' };

/** A token claiming admin, well-formed in every claim, signed by `secret` under the server's `kid`. */
const adminClaimsSignedWith = (alg: string, kid: string, secret: Parameters<SignJWT['sign']>[0]) =>
  new SignJWT({ role: 'admin', sid: 'F1' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setSubject('U1')
    .setIssuer(base.issuer)
    .setAudience(base.audience)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime('1h')
    .setJti('j')
    .sign(secret);

const refused = async (p: Promise<unknown>, message: RegExp) =>
  assert.rejects(p, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'unauthorized');
    assert.match(err.message, message);
    return true;
  });

test('access tokens: issued and verified; every forgery refused', async () => {
  const key = await generateSigningKey();
  const tokens = await createAccessTokens({ ...base, keys: [key] });
  const { token, expiresAt } = await tokens.issue(claims);
  const verified = await tokens.verify(token);
  assert.deepEqual([verified.sub, verified.role, verified.sid], ['U1', 'user', 'F1']);
  assert.ok(expiresAt.getTime() - Date.now() <= 900_000 && expiresAt.getTime() > Date.now());

  // alg: none.
  const unsigned = new UnsecuredJWT({ role: 'admin', sid: 'F1' })
    .setSubject('U1')
    .setIssuer(base.issuer)
    .setAudience(base.audience)
    .setExpirationTime('1h')
    .encode();
  await refused(tokens.verify(unsigned), /not valid/);
  // Signed with a key of the right kind that the server does not hold, under the server's kid.
  const stranger = await generateSigningKey();
  const forged = await adminClaimsSignedWith('EdDSA', key.kid, await importJWK(stranger, 'EdDSA'));
  await refused(tokens.verify(forged), /not valid/);
  // HS256 with the public key as the HMAC secret (the classic algorithm confusion).
  const { d: _d, ...publicJwk } = key;
  const confused = await adminClaimsSignedWith(
    'HS256',
    key.kid,
    new TextEncoder().encode(JSON.stringify(publicJwk)),
  );
  await refused(tokens.verify(confused), /not valid/);
  // A tampered payload: the role raised, the signature kept.
  const [header, , signature] = token.split('.');
  const payload = { ...decodeJwt(token), role: 'admin' };
  const tampered = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
  await refused(tokens.verify(tampered), /not valid/);
  // An unknown kid.
  const other = await createAccessTokens({ ...base, keys: [stranger] });
  await refused(tokens.verify((await other.issue(claims)).token), /a key this server does not know/);
  // Another issuer or audience.
  const elsewhere = await createAccessTokens({ ...base, issuer: 'https://evil.test', keys: [key] });
  await refused(tokens.verify((await elsewhere.issue(claims)).token), /iss/);
  const otherAudience = await createAccessTokens({ ...base, audience: 'another-api', keys: [key] });
  await refused(tokens.verify((await otherAudience.issue(claims)).token), /aud/);
  await refused(tokens.verify('not a token'), /not valid/);
});

test('access tokens: expired and not-yet-valid ones are refused, within the clock tolerance', async () => {
  const key = await generateSigningKey();
  let now = new Date('2026-12-03T10:00:00Z');
  const tokens = await createAccessTokens({ ...base, keys: [key], ttlSeconds: 60, now: () => now });
  const { token } = await tokens.issue(claims);
  now = new Date('2026-12-03T10:01:04Z'); // 64 s: past expiry but within 5 s of tolerance
  await tokens.verify(token);
  now = new Date('2026-12-03T10:01:06Z');
  await refused(tokens.verify(token), /expired/);
  now = new Date('2026-12-03T09:59:50Z'); // before nbf, beyond the tolerance
  await refused(tokens.verify(token), /nbf/);
});

test('key rotation by kid: the newest key signs, every key of the set verifies', async () => {
  const old = await generateSigningKey();
  const fresh = await generateSigningKey();
  const before = await createAccessTokens({ ...base, keys: [old] });
  const during = await createAccessTokens({ ...base, keys: [fresh, old] });
  const after = await createAccessTokens({ ...base, keys: [fresh] });
  const oldToken = (await before.issue(claims)).token;
  const newToken = (await during.issue(claims)).token;
  assert.equal(JSON.parse(Buffer.from(newToken.split('.')[0]!, 'base64url').toString()).kid, fresh.kid);
  await during.verify(oldToken);
  await after.verify(newToken);
  await refused(after.verify(oldToken), /a key this server does not know/);
});
