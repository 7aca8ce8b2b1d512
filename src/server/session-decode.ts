/**
 * next-auth's session-token decode with the encryption key derived once per secret instead of
 * on every call. next-auth v4's `decode` runs HKDF (SHA-256, 32 bytes, info "NextAuth.js
 * Generated Encryption Key") for every request before decrypting the cookie: about half of
 * what reading a session cost per tRPC call. The key depends on the secret and salt only.
 *
 * And a browser sends the same cookie with every call: the payload of a token that decrypted is
 * kept (the newest MAX_CACHED tokens), so the next call with it skips the decryption (WebCrypto
 * in jose 6: the rest of the cost). Only `exp` and `nbf` depend on the time: they are checked
 * again on every hit, as jose checks them. A token that failed is never kept, so it fails every time.
 *
 * Otherwise the same: a compact JWE (`dir`, A256GCM) decrypted with 15 s of clock tolerance on
 * `exp`; a token that does not decrypt or has expired throws, as next-auth's does.
 * @see https://github.com/nextauthjs/next-auth/blob/v4/packages/next-auth/src/jwt/index.ts
 */
import { hkdfSync } from 'node:crypto';
import { jwtDecrypt } from 'jose';
import type { JWT, JWTDecodeParams } from 'next-auth/jwt';

const CLOCK_TOLERANCE_S = 15;
const MAX_CACHED = 1000;
const keys = new Map<string, Uint8Array>();
/** Decrypted payloads by secret, salt and token (insertion order: the oldest is dropped first). */
const decoded = new Map<string, JWT>();

/** The key next-auth derives from `secret` (and `salt`), computed once. */
export function sessionEncryptionKey(secret: string | Buffer, salt = ''): Uint8Array {
  const id = `${Buffer.from(secret).toString('base64')}\u0000${salt}`;
  let key = keys.get(id);
  if (!key) {
    key = new Uint8Array(hkdfSync('sha256', secret, salt, `NextAuth.js Generated Encryption Key${salt ? ` (${salt})` : ''}`, 32));
    // Secrets are few (one per process, more only in tests): keep the map from growing unbounded all the same.
    if (keys.size >= 16) keys.clear();
    keys.set(id, key);
  }
  return key;
}

/** Drop-in for next-auth's `decode` (same parameters, same result, same failures). */
export async function decodeSessionToken({ token, secret, salt = '' }: JWTDecodeParams): Promise<JWT | null> {
  if (!token) return null;
  const id = `${Buffer.from(secret).toString('base64')}\u0000${salt}\u0000${token}`;
  const cached = decoded.get(id);
  if (cached) {
    // jose's tests, in whole seconds: expired when exp <= now - tolerance; not yet valid when nbf > now + tolerance.
    const now = Math.floor(Date.now() / 1000);
    if (typeof cached.exp === 'number' && cached.exp <= now - CLOCK_TOLERANCE_S) {
      decoded.delete(id);
      throw new Error('"exp" claim timestamp check failed');
    }
    if (typeof cached.nbf === 'number' && cached.nbf > now + CLOCK_TOLERANCE_S) throw new Error('"nbf" claim timestamp check failed');
    return { ...cached };
  }
  const { payload } = await jwtDecrypt(token, sessionEncryptionKey(secret, salt), { clockTolerance: CLOCK_TOLERANCE_S });
  if (decoded.size >= MAX_CACHED) decoded.delete(decoded.keys().next().value!);
  decoded.set(id, payload as JWT);
  return { ...(payload as JWT) };
}
