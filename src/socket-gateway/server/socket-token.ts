/**
 * Socket handshake tokens: short-lived HS256 JWTs minted for a user id the app vouches for
 * and checked once per connection.
 *
 * Key: the gateway's `secret` option (`socketTokenKey`), never a setting read here: the app
 * decides where it comes from (the demo derives it from NEXTAUTH_SECRET under a label of its
 * own, src/server/socket-secret.ts, so a socket token never passes as a session cookie).
 */
import { SignJWT, jwtVerify } from 'jose';

export const SOCKET_TOKEN_AUDIENCE = 'socket-gateway:socket';
export const SOCKET_TOKEN_ISSUER = 'socket-gateway';
/** Longer strings are refused before any parsing. Real tokens are a few hundred bytes. */
export const MAX_TOKEN_LENGTH = 4096;
export const MAX_USER_ID_LENGTH = 512;
/** A secret shorter than this (characters of a string, bytes of a key) is refused. */
export const MIN_SECRET_LENGTH = 32;
/** How long a minted token is valid (the handshake checks it once; reconnects fetch a new one). */
export const DEFAULT_TOKEN_TTL_SECONDS = 300;
/**
 * Private claim: the issue time in epoch MILLISECONDS. `iat` has whole seconds only, so a sign-out
 * could not refuse a token minted earlier in the same second (attacks-3 F8); the handshake compares
 * this claim with the revocation time instead. Required: a token without it is refused.
 */
export const ISSUED_AT_MS_CLAIM = 'iat_ms';

export interface SocketUser {
  userId: string;
}

export interface SocketToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/**
 * The HS256 key of socket tokens, from the `secret` option: a string of at least 32 characters
 * (its UTF-8 bytes) or a key of at least 32 bytes. Anything else is a TypeError: there is no
 * default secret, and a guessable one would let anyone mint a token for any user.
 */
export function socketTokenKey(secret: string | Uint8Array): Uint8Array {
  if (typeof secret === 'string') {
    if (secret.length < MIN_SECRET_LENGTH) throw new TypeError(`socket-gateway: secret must be at least ${MIN_SECRET_LENGTH} characters`);
    return new TextEncoder().encode(secret);
  }
  if (secret instanceof Uint8Array) {
    if (secret.byteLength < MIN_SECRET_LENGTH) throw new TypeError(`socket-gateway: secret must be at least ${MIN_SECRET_LENGTH} bytes`);
    return secret;
  }
  throw new TypeError('socket-gateway: secret is required (a string of at least 32 characters, or a Uint8Array key of at least 32 bytes)');
}

/** Signs a handshake token for `userId` with `key` (`socketTokenKey`), valid for `ttlSeconds` (default DEFAULT_TOKEN_TTL_SECONDS). */
export async function mintSocketToken(userId: string, options: { key: Uint8Array; ttlSeconds?: number }): Promise<SocketToken> {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || !userId.isWellFormed()) {
    throw new TypeError(`userId must be a well-formed string of 1-${MAX_USER_ID_LENGTH} characters`);
  }
  const { key, ttlSeconds: ttl = DEFAULT_TOKEN_TTL_SECONDS } = options ?? {};
  if (!(key instanceof Uint8Array)) throw new TypeError('socket-gateway: mintSocketToken needs the key (socketTokenKey(secret))');
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new TypeError('socket-gateway: ttlSeconds must be a whole number of seconds >= 1');
  const issuedAtMs = Date.now();
  const issuedAt = Math.floor(issuedAtMs / 1000);
  const expiresAtSeconds = issuedAt + ttl;
  const token = await new SignJWT({ [ISSUED_AT_MS_CLAIM]: issuedAtMs })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setAudience(SOCKET_TOKEN_AUDIENCE)
    .setIssuer(SOCKET_TOKEN_ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAtSeconds)
    .sign(key);
  return { token, expiresAt: expiresAtSeconds * 1000 };
}

/**
 * Three base64url segments, each in its one canonical spelling. Decoders ignore the unused
 * low bits of a segment's last character, so without this check a token with its final
 * character changed (for example `…k` → `…l`) would still verify: a token must be exactly
 * the one we signed.
 */
function isCanonicalCompactJws(token: string): boolean {
  const segments = token.split('.');
  return (
    segments.length === 3 &&
    segments.every((segment) => /^[A-Za-z0-9_-]+$/.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment)
  );
}

/** A verified handshake token: its user and when it was issued (epoch milliseconds, from `iat_ms`). */
export interface VerifiedSocketToken extends SocketUser {
  issuedAtMs: number;
}

/**
 * Checks a handshake's `auth` object (`{ token }`). Returns the user, or null for anything
 * that is not a well-formed, unexpired HS256 token signed with our key for our audience.
 * Never throws.
 */
export async function authenticate(auth: unknown, key: Uint8Array): Promise<SocketUser | null> {
  const verified = await verifySocketToken(auth, key);
  return verified && { userId: verified.userId };
}

/** `authenticate`, plus the token's issue time (the handshake compares it with sign-outs). */
export async function verifySocketToken(auth: unknown, key: Uint8Array): Promise<VerifiedSocketToken | null> {
  try {
    if (typeof auth !== 'object' || auth === null) return null;
    const token: unknown = (auth as { token?: unknown }).token;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    if (!isCanonicalCompactJws(token)) return null;
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      audience: SOCKET_TOKEN_AUDIENCE,
      issuer: SOCKET_TOKEN_ISSUER,
      requiredClaims: ['sub', 'exp', 'iat', ISSUED_AT_MS_CLAIM],
    });
    const userId = payload.sub;
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) return null;
    // The ms claim must name a moment inside the second `iat` names, so the two cannot disagree.
    const issuedAtMs = payload[ISSUED_AT_MS_CLAIM];
    if (!Number.isSafeInteger(issuedAtMs) || Math.floor((issuedAtMs as number) / 1000) !== payload.iat) return null;
    return { userId, issuedAtMs: issuedAtMs as number };
  } catch {
    return null;
  }
}
