import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { authenticate, SOCKET_TOKEN_AUDIENCE, SOCKET_TOKEN_ISSUER } from 'socket-gateway/advanced';
import { ISSUED_AT_MS_CLAIM } from '@/socket-gateway/server/socket-token';
import { verifySocketToken } from 'socket-gateway/advanced';
import { mintSocketToken as libraryMint, socketTokenKey as libraryKey } from 'socket-gateway/advanced';
import { socketTokenSecret } from '@/server/socket-secret';
import { mintSocketToken, socketTokenKey } from '../helpers/socket-token';

const now = () => Math.floor(Date.now() / 1000);

/** A token as mintSocketToken signs it, with claims overridden; `iat_ms` defaults to the start of `iat`'s second (null: left out). */
function signed(claims: { sub?: string; aud?: string; iss?: string; exp?: number; iat?: number; iatMs?: unknown }) {
  const iatMs = claims.iatMs === undefined ? (claims.iat ?? now()) * 1000 : claims.iatMs;
  let jwt = new SignJWT(iatMs === null ? {} : { [ISSUED_AT_MS_CLAIM]: iatMs }).setProtectedHeader({ alg: 'HS256' });
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  jwt = jwt
    .setAudience(claims.aud ?? SOCKET_TOKEN_AUDIENCE)
    .setIssuer(claims.iss ?? SOCKET_TOKEN_ISSUER)
    .setIssuedAt(claims.iat ?? now())
    .setExpirationTime(claims.exp ?? now() + 60);
  return jwt.sign(socketTokenKey());
}

describe('mintSocketToken', () => {
  it('signs an HS256 token with sub, aud, iat and exp, expiring after the TTL', async () => {
    const before = Date.now();
    const { token, expiresAt } = await mintSocketToken('alice');
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toMatchObject({ sub: 'alice', aud: SOCKET_TOKEN_AUDIENCE });
    expect(payload?.exp).toBe((payload?.iat as number) + 300);
    // The issue time in ms as well (the revocation check compares it: attacks-3 F8), inside iat's second.
    expect(payload?.[ISSUED_AT_MS_CLAIM]).toBeGreaterThanOrEqual(before);
    expect(Math.floor((payload?.[ISSUED_AT_MS_CLAIM] as number) / 1000)).toBe(payload?.iat);
    expect(expiresAt).toBe((payload?.exp as number) * 1000);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 299_000);
  });

  it('honours a custom TTL and refuses empty user ids', async () => {
    const { expiresAt } = await mintSocketToken('bob', { ttlSeconds: 10 });
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(10_000);
    await expect(mintSocketToken('')).rejects.toThrow(TypeError);
  });
});

describe('socketTokenKey (the library: no default secret)', () => {
  it('takes a string of >= 32 characters or a key of >= 32 bytes; anything else is a TypeError', () => {
    expect(Buffer.from(libraryKey('y'.repeat(32))).toString()).toBe('y'.repeat(32));
    expect(libraryKey(new Uint8Array(32).fill(7))).toHaveLength(32);
    expect(() => libraryKey('y'.repeat(31))).toThrow(TypeError);
    expect(() => libraryKey(new Uint8Array(31))).toThrow(TypeError);
    expect(() => libraryKey(undefined as unknown as string)).toThrow(/secret is required/);
  });

  it('mintSocketToken without a key is a TypeError (no fallback secret inside the library)', async () => {
    await expect(libraryMint('alice', undefined as never)).rejects.toThrow(TypeError);
    await expect(libraryMint('alice', {} as never)).rejects.toThrow(/needs the key/);
  });
});

describe('socketTokenSecret (the demo: derived from NEXTAUTH_SECRET, or SOCKET_TOKEN_SECRET)', () => {
  it('derives a key distinct from NEXTAUTH_SECRET itself, or uses SOCKET_TOKEN_SECRET', () => {
    const secret = 'x'.repeat(40);
    const derived = libraryKey(socketTokenSecret({ nextAuthSecret: secret, socketToken: { ttlSeconds: 300 } }));
    expect(Buffer.from(derived).toString()).not.toBe(secret);
    const own = socketTokenSecret({ nextAuthSecret: secret, socketToken: { secret: 'y'.repeat(32), ttlSeconds: 300 } });
    expect(Buffer.from(libraryKey(own)).toString()).toBe('y'.repeat(32));
  });
});

describe('authenticate', () => {
  it('returns the user for a valid token', async () => {
    const { token } = await mintSocketToken('alice');
    await expect(authenticate({ token }, socketTokenKey())).resolves.toEqual({ userId: 'alice' });
  });

  it('returns null for an invalid token', async () => {
    await expect(authenticate({ token: 'not-a-jwt' }, socketTokenKey())).resolves.toBeNull();
    const { token } = await mintSocketToken('alice');
    await expect(authenticate({ token: `${token.slice(0, -2)}xx` }, socketTokenKey())).resolves.toBeNull();
  });

  it('returns null for a missing token or auth object', async () => {
    await expect(authenticate(undefined, socketTokenKey())).resolves.toBeNull();
    await expect(authenticate(null, socketTokenKey())).resolves.toBeNull();
    await expect(authenticate({}, socketTokenKey())).resolves.toBeNull();
    await expect(authenticate('token', socketTokenKey())).resolves.toBeNull();
    await expect(authenticate({ token: 42 }, socketTokenKey())).resolves.toBeNull();
  });

  it('returns null for an expired token', async () => {
    await expect(authenticate({ token: await signed({ sub: 'alice', iat: now() - 600, exp: now() - 300 }) }, socketTokenKey())).resolves.toBeNull();
  });

  it('returns null for the wrong audience or issuer, or no subject', async () => {
    await expect(authenticate({ token: await signed({ sub: 'alice', aud: 'other' }) }, socketTokenKey())).resolves.toBeNull();
    await expect(authenticate({ token: await signed({ sub: 'alice', iss: 'other' }) }, socketTokenKey())).resolves.toBeNull();
    await expect(authenticate({ token: await signed({}) }, socketTokenKey())).resolves.toBeNull();
  });

  it('verifies a token of ours with its ms issue time', async () => {
    const iat = now();
    await expect(verifySocketToken({ token: await signed({ sub: 'alice', iat, iatMs: iat * 1000 + 999 }) }, socketTokenKey())).resolves.toEqual({
      userId: 'alice',
      issuedAtMs: iat * 1000 + 999,
    });
  });

  it("returns null without the ms issue time, or with one that is not an integer inside iat's second", async () => {
    const iat = now();
    for (const iatMs of [null, iat * 1000 - 1, iat * 1000 + 1000, iat * 1000 + 0.5, String(iat * 1000), -1, 1e300, true]) {
      await expect(authenticate({ token: await signed({ sub: 'alice', iat, iatMs }) }, socketTokenKey())).resolves.toBeNull();
    }
  });

  it('returns null for a token signed with another secret', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setAudience(SOCKET_TOKEN_AUDIENCE)
      .setIssuer(SOCKET_TOKEN_ISSUER)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    await expect(authenticate({ token: forged }, socketTokenKey())).resolves.toBeNull();
  });
});
