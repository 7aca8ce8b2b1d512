/**
 * Socket tokens carry a whole-second issue time (`iat`), and a sign-out refuses only the tokens
 * issued in an earlier second (docs/security.md). A test that signs out after minting waits for
 * that condition, the clock passing into the next second, instead of sleeping a fixed 1.1 s.
 */
import { vi } from 'vitest';

/** Resolves once the wall clock is past the second `token` (a JWT) was issued in. */
export async function pastIssuedSecond(token: string): Promise<void> {
  const { iat } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { iat?: unknown };
  if (typeof iat !== 'number') throw new TypeError('pastIssuedSecond: the token has no numeric iat');
  await vi.waitFor(
    () => {
      if (Date.now() < (iat + 1) * 1000) throw new Error(`still in the second the token was issued in (${iat})`);
    },
    { timeout: 5_000, interval: 20 },
  );
}
