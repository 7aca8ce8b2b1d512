/**
 * Handshakes per user, on a token bucket in the gateway's rate-limit store (shared through Redis
 * in a cluster, so adding nodes does not multiply it). Without it one user opening and closing
 * sockets as fast as it can costs every node a token check, a presence round trip and a replay
 * set-up per cycle (attacks-3 F2: 112–122 cycles a second from one client).
 *
 * A refused handshake gets `Too many connection attempts: try again in N s` with
 * `data: { retry: true, retryAfterMs }`: the browser store (react/socket-store.ts) treats
 * `data.retry` as "come back later" and retries by itself with a jittered, growing delay, as it
 * does for `Temporarily unavailable`.
 */
import type { RateLimit, RateLimitStore } from '../stores/types';

export const TOO_MANY_HANDSHAKES = 'Too many connection attempts';

/** Default: 20 handshakes at once (every tab reconnecting twice), then 2 a second. */
export const DEFAULT_HANDSHAKE_RATE: RateLimit = { ratePerSecond: 2, burst: 20 };

export interface HandshakeRefusal extends Error {
  data: { retry: true; retryAfterMs: number };
}

/** Takes one handshake token of `userId`; resolves with the error to refuse the handshake with, or null. Rejects when the store cannot answer. */
export function createHandshakeRateLimit(
  store: RateLimitStore,
  limit: RateLimit = DEFAULT_HANDSHAKE_RATE,
): (userId: string) => Promise<HandshakeRefusal | null> {
  return async (userId) => {
    const result = await store.take(`handshake:${userId}`, limit);
    if (result.ok) return null;
    const seconds = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
    return Object.assign(new Error(`${TOO_MANY_HANDSHAKES}: try again in ${seconds} s`), { data: { retry: true as const, retryAfterMs: result.retryAfterMs } });
  };
}
