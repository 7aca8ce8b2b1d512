/**
 * decodeSessionToken (src/server/session-decode.ts) against next-auth's own `decode`: the same
 * payload for every token next-auth's `encode` makes, and a failure wherever next-auth fails.
 */
import fc from 'fast-check';
import { EncryptJWT } from 'jose';
import { decode, encode } from 'next-auth/jwt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeSessionToken, sessionEncryptionKey } from '@/server/session-decode';

const secret = process.env.NEXTAUTH_SECRET!;
const now = () => Math.floor(Date.now() / 1000);

async function outcome(run: () => Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: await run() };
  } catch {
    return { ok: false };
  }
}

async function expectSame(params: { token?: string; secret: string; salt?: string }) {
  const theirs = await outcome(() => decode(params));
  const ours = await outcome(() => decodeSessionToken(params));
  expect(ours).toEqual(theirs);
  return ours;
}

/** A token with exactly these claims (next-auth's encode always sets iat, exp and jti itself). */
const raw = (claims: Record<string, unknown>, key = sessionEncryptionKey(secret)) =>
  new EncryptJWT(claims).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(key);

describe('decodeSessionToken', () => {
  afterEach(() => vi.useRealTimers());

  it('decodes what next-auth encodes, with the same payload (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({ sub: fc.string({ minLength: 1 }), name: fc.string(), role: fc.constantFrom('user', 'admin'), signedInAt: fc.nat() }),
        fc.constantFrom('', 'authjs.session-token'),
        async (claims, salt) => {
          const token = await encode({ token: claims, secret, salt, maxAge: 60 });
          const result = await expectSame({ token, secret, salt });
          expect(result).toMatchObject({ ok: true, value: claims });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('fails where next-auth fails: garbage, tampering, another secret or salt, expiry beyond 15 s', async () => {
    const token = await encode({ token: { sub: 'alice' }, secret, maxAge: 60 });
    const tampered = `${token.slice(0, -3)}${token.at(-3) === 'A' ? 'B' : 'A'}${token.slice(-2)}`;
    for (const params of [
      { token: 'garbage', secret },
      { token: tampered, secret },
      { token, secret: 'another-secret-another-secret-0123' },
      { token, secret, salt: 'other' },
      { token: await raw({ sub: 'alice', exp: now() - 30 }), secret },
    ]) {
      expect(await expectSame(params)).toEqual({ ok: false });
    }
  });

  it('accepts what next-auth accepts: no token (null), expiry within the 15 s tolerance', async () => {
    expect(await expectSame({ token: undefined, secret })).toEqual({ ok: true, value: null });
    expect(await expectSame({ token: await raw({ sub: 'alice', exp: now() - 5 }), secret })).toMatchObject({ ok: true, value: { sub: 'alice' } });
  });

  it('checks a kept token’s expiry again on every call, exactly where next-auth starts refusing it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Math.floor(Date.now() / 1000) * 1000;
    vi.setSystemTime(t0);
    const token = await encode({ token: { sub: 'alice', signedInAt: 1 }, secret, maxAge: 60 });
    expect(await expectSame({ token, secret })).toMatchObject({ ok: true });
    for (const [seconds, ok] of [
      [60 + 14, true],
      [60 + 15, false],
      [60 + 30, false],
    ] as const) {
      vi.setSystemTime(t0 + seconds * 1000);
      expect(await expectSame({ token, secret }), `${seconds} s`).toMatchObject({ ok });
    }
  });

  it('hands out a copy: changing one result does not change the next', async () => {
    const token = await encode({ token: { sub: 'alice', role: 'user' }, secret, maxAge: 60 });
    const first = (await decodeSessionToken({ token, secret }))!;
    first.role = 'admin';
    expect(await decodeSessionToken({ token, secret })).toMatchObject({ sub: 'alice', role: 'user' });
  });

  it('derives the key once per secret and salt', () => {
    expect(sessionEncryptionKey(secret)).toBe(sessionEncryptionKey(secret));
    expect(sessionEncryptionKey(secret, 'x')).not.toEqual(sessionEncryptionKey(secret));
    expect(sessionEncryptionKey(secret)).toHaveLength(32);
  });
});
