/**
 * Socket handshake tokens: short-lived HS256 JWTs minted from a signed-in session and
 * checked once per connection.
 *
 * Key: `SOCKET_TOKEN_SECRET` when set, otherwise derived from `NEXTAUTH_SECRET` with
 * HMAC-SHA256 under a distinct label, so a socket token can never pass as a session cookie
 * (or the reverse) even though one secret configures both.
 */
import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { getEnv } from '@/env';

export const SOCKET_TOKEN_AUDIENCE = 'socket-gateway:socket';
export const SOCKET_TOKEN_ISSUER = 'socket-gateway';
/** Longer strings are refused before any parsing. Real tokens are a few hundred bytes. */
export const MAX_TOKEN_LENGTH = 4096;
export const MAX_USER_ID_LENGTH = 512;
const KEY_LABEL = 'socket-gateway/socket-token/v1';
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

/** Where the signing key comes from: the socket secret if set, else the session secret. */
export interface SocketTokenSecrets {
  socketTokenSecret?: string;
  nextAuthSecret: string;
}

const keys = new Map<string, Uint8Array>();

/** The HS256 key for socket tokens (cached per secret). */
export function socketTokenKey(secrets: SocketTokenSecrets = currentSecrets()): Uint8Array {
  const source = secrets.socketTokenSecret ? `own:${secrets.socketTokenSecret}` : `derived:${secrets.nextAuthSecret}`;
  let key = keys.get(source);
  if (!key) {
    key = secrets.socketTokenSecret
      ? new TextEncoder().encode(secrets.socketTokenSecret)
      : createHmac('sha256', secrets.nextAuthSecret).update(KEY_LABEL).digest();
    keys.set(source, key);
  }
  return key;
}

function currentSecrets(): SocketTokenSecrets {
  const env = getEnv();
  return { socketTokenSecret: env.socketToken.secret, nextAuthSecret: env.nextAuthSecret };
}

/** Signs a handshake token for `userId`, valid for `ttlSeconds` (default SOCKET_TOKEN_TTL_SECONDS). */
export async function mintSocketToken(userId: string, options: { ttlSeconds?: number; key?: Uint8Array } = {}): Promise<SocketToken> {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || !userId.isWellFormed()) {
    throw new TypeError(`userId must be a well-formed string of 1-${MAX_USER_ID_LENGTH} characters`);
  }
  const ttl = options.ttlSeconds ?? getEnv().socketToken.ttlSeconds;
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
    .sign(options.key ?? socketTokenKey());
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
export async function authenticate(auth: unknown): Promise<SocketUser | null> {
  const verified = await verifySocketToken(auth);
  return verified && { userId: verified.userId };
}

/** `authenticate`, plus the token's issue time (the handshake compares it with sign-outs). */
export async function verifySocketToken(auth: unknown, key?: Uint8Array): Promise<VerifiedSocketToken | null> {
  try {
    if (typeof auth !== 'object' || auth === null) return null;
    const token: unknown = (auth as { token?: unknown }).token;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    if (!isCanonicalCompactJws(token)) return null;
    const { payload } = await jwtVerify(token, key ?? socketTokenKey(), {
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
