/**
 * attacks-3 F8: a token minted in the same second as a sign-out used to keep working (the handshake
 * compared whole-second `iat`s: 10/10 tokens minted up to ~100 ms before a sign-out connected after
 * it). Tokens now carry their issue time in ms (`iat_ms`) and the handshake compares that.
 * Real server on port 0, real socket.io-client handshakes.
 */
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SOCKET_TOKEN_AUDIENCE, SOCKET_TOKEN_ISSUER } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { mintSocketToken, socketTokenKey } from '../helpers/socket-token';
import { unlessRevoked } from '@/server/auth';
import { ISSUED_AT_MS_CLAIM } from '@/socket-gateway/server/socket-token';
import { startSocketServer, type TestServer } from '../helpers/socket-server';

let server: TestServer;
beforeAll(async () => {
  server = await startSocketServer();
});
afterAll(async () => {
  await server?.stop();
});

/** Resolves true when the handshake is accepted, false when refused with Unauthorized. */
async function accepted(token: string): Promise<boolean> {
  try {
    const client = await server.connect({ token });
    client.disconnect();
    return true;
  } catch (error) {
    expect((error as Error).message).toBe('Unauthorized');
    return false;
  }
}

describe('a sign-out refuses tokens minted earlier in its own second', () => {
  it('10 tokens minted just before a sign-out, in the same second, are all refused; one minted after works', async () => {
    // Start early in a second, so that minting and signing out share it (checked below, not assumed).
    await vi.waitFor(() => expect(Date.now() % 1000).toBeLessThan(300), { timeout: 2_000, interval: 5 });
    const tokens = [];
    for (let i = 0; i < 10; i += 1) tokens.push(await mintSocketToken('mallory'));
    const mintedSecond = Math.floor((tokens[0]!.expiresAt - 300_000) / 1000);
    await gateway.revokeUserSockets('mallory');
    const revokedAt = await server.stores.revocations.revokedAt('mallory');
    expect(Math.floor(revokedAt! / 1000)).toBe(mintedSecond); // the precondition of the attack

    const outcomes = await Promise.all(tokens.map(({ token }) => accepted(token)));
    expect(outcomes.filter(Boolean).length).toBe(0);

    await vi.waitFor(() => expect(Date.now()).toBeGreaterThan(revokedAt!), { interval: 1 });
    expect(await accepted((await mintSocketToken('mallory')).token)).toBe(true); // signed in again
  });

  it('property: in one second, a token is refused exactly when issued at or before the sign-out (>= 100 handshakes)', async () => {
    let run = 0;
    // A second ahead of now (the store refuses what predates its own start; jose does not refuse a future iat).
    const second = Math.floor(Date.now() / 1000) + 60;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 }), async (issuedMs, revokedMs) => {
        const userId = `p${(run += 1)}`;
        const iatMs = second * 1000 + issuedMs;
        const token = await new SignJWT({ [ISSUED_AT_MS_CLAIM]: iatMs })
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setSubject(userId)
          .setAudience(SOCKET_TOKEN_AUDIENCE)
          .setIssuer(SOCKET_TOKEN_ISSUER)
          .setIssuedAt(second)
          .setExpirationTime(second + 300)
          .sign(socketTokenKey());
        await server.stores.revocations.revoke(userId, second * 1000 + revokedMs);
        expect(await accepted(token)).toBe(issuedMs > revokedMs);
      }),
      { numRuns: 100 },
    );
  });

  it('property: sessions too, in ms: one signed in at or before the sign-out is refused, one after it works (>= 100 runs)', async () => {
    let run = 0;
    const second = Math.floor(Date.now() / 1000) + 60;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 }), async (signedInMs, revokedMs) => {
        const userId = `s${(run += 1)}`;
        await server.stores.revocations.revoke(userId, second * 1000 + revokedMs);
        const session = { user: { id: userId, name: userId, role: 'user' as const }, expires: '', signedInAt: second * 1000 + signedInMs };
        expect((await unlessRevoked(session)) !== null).toBe(signedInMs > revokedMs);
      }),
      { numRuns: 100 },
    );
  });
});
