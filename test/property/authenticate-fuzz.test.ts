/**
 * Fuzzing `authenticate` in process: every hostile handshake `auth` (arbitrary JSON and
 * values, random and huge strings, `alg: none`, RS256/ES256 headers, another secret, wrong
 * audience or issuer, missing or non-string `sub`, `exp` past, `nbf` future, a valid token
 * with one byte flipped…) resolves to null, never throws, and valid tokens keep working.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authenticate } from 'socket-gateway/advanced';
import { HS256, hostileAuthArb, hostileTokenArb, signHs256, userIdArb, validClaims } from '../helpers/hostile-auth';
import { mintSocketToken, socketTokenKey } from '../helpers/socket-token';

const RUNS = 10_000;

describe('authenticate under fuzzing', () => {
  it('control: the generators build tokens the server accepts, so each hostile variant is refused for its own reason', async () => {
    await fc.assert(
      fc.asyncProperty(userIdArb, async (sub) => {
        expect(await authenticate({ token: signHs256(HS256, validClaims(sub)) }, socketTokenKey())).toEqual({ userId: sub });
      }),
      { numRuns: 500 },
    );
  });

  it(`refuses every hostile token (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileTokenArb, async ({ token }) => {
        expect(await authenticate({ token }, socketTokenKey())).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it(`refuses every hostile auth value, whatever its shape (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileAuthArb, async (auth) => {
        expect(await authenticate(auth, socketTokenKey())).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('still accepts a freshly minted token after the runs', async () => {
    const { token } = await mintSocketToken('alice');
    expect(await authenticate({ token }, socketTokenKey())).toEqual({ userId: 'alice' });
  });
});
