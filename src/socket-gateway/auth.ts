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
import type { Env } from './config';

export const SOCKET_TOKEN_AUDIENCE = 'socket-gateway:socket';
export const SOCKET_TOKEN_ISSUER = 'socket-gateway';
export const DEFAULT_SOCKET_TOKEN_TTL_SECONDS = 300;
/** Longer strings are refused before any parsing. Real tokens are a few hundred bytes. */
export const MAX_TOKEN_LENGTH = 4096;
export const MAX_USER_ID_LENGTH = 512;
const KEY_LABEL = 'socket-gateway/socket-token/v1';
const MIN_SECRET_LENGTH = 32;

export interface SocketUser {
  userId: string;
}

export interface SocketToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

let cachedKey: { source: string; key: Uint8Array } | undefined;

/** The HS256 key for socket tokens. Throws a configuration error when no secret is set. */
export function getSocketTokenKey(env: Env = process.env): Uint8Array {
  const own = env.SOCKET_TOKEN_SECRET;
  const source = own ? `own:${own}` : `derived:${env.NEXTAUTH_SECRET ?? ''}`;
  if (cachedKey?.source === source) return cachedKey.key;

  let key: Uint8Array;
  if (own) {
    if (own.length < MIN_SECRET_LENGTH) {
      throw new Error(`SOCKET_TOKEN_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    key = new TextEncoder().encode(own);
  } else if (env.NEXTAUTH_SECRET) {
    key = createHmac('sha256', env.NEXTAUTH_SECRET).update(KEY_LABEL).digest();
  } else {
    throw new Error(
      'Socket tokens need a secret: set NEXTAUTH_SECRET (or SOCKET_TOKEN_SECRET). ' +
        'Generate one with: openssl rand -base64 32',
    );
  }
  cachedKey = { source, key };
  return key;
}

export function socketTokenTtlSeconds(env: Env = process.env): number {
  const raw = env.SOCKET_TOKEN_TTL_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_SOCKET_TOKEN_TTL_SECONDS;
  const ttl = Number(raw);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) {
    throw new Error(`SOCKET_TOKEN_TTL_SECONDS must be a whole number of seconds from 1 to 86400, got ${JSON.stringify(raw)}`);
  }
  return ttl;
}

/** Signs a handshake token for `userId`, valid for `ttlSeconds` (default from the environment). */
export async function mintSocketToken(userId: string, options: { ttlSeconds?: number } = {}): Promise<SocketToken> {
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH || !userId.isWellFormed()) {
    throw new TypeError(`userId must be a well-formed string of 1-${MAX_USER_ID_LENGTH} characters`);
  }
  const ttl = options.ttlSeconds ?? socketTokenTtlSeconds();
  const issuedAt = Math.floor(Date.now() / 1000);
  const expiresAtSeconds = issuedAt + ttl;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setAudience(SOCKET_TOKEN_AUDIENCE)
    .setIssuer(SOCKET_TOKEN_ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAtSeconds)
    .sign(getSocketTokenKey());
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

/** A verified handshake token: its user and when it was issued (epoch seconds). */
export interface VerifiedSocketToken extends SocketUser {
  issuedAt: number;
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
export async function verifySocketToken(auth: unknown): Promise<VerifiedSocketToken | null> {
  try {
    if (typeof auth !== 'object' || auth === null) return null;
    const token: unknown = (auth as { token?: unknown }).token;
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return null;
    if (!isCanonicalCompactJws(token)) return null;
    const { payload } = await jwtVerify(token, getSocketTokenKey(), {
      algorithms: ['HS256'],
      audience: SOCKET_TOKEN_AUDIENCE,
      issuer: SOCKET_TOKEN_ISSUER,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const userId = payload.sub;
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > MAX_USER_ID_LENGTH) return null;
    return { userId, issuedAt: payload.iat as number };
  } catch {
    return null;
  }
}
