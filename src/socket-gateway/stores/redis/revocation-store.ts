import { REVOCATION_RETENTION_MS, type RevocationStore } from '../types';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';

/**
 * KEYS[1] the user's revocation (a string: epoch ms); ARGV: atMs, expiry (epoch ms).
 * Keeps the larger of the stored and the new value in one atomic step, so two nodes signing the
 * same user out at once can never move it back. The kept value keeps its own, later, expiry.
 */
export const REVOKE_SCRIPT = defineLuaScript(`
local old = redis.call('GET', KEYS[1])
if old and tonumber(old) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1
`);

/**
 * Sign-outs in Redis, shared by every node. Key: `${keyPrefix}revoked:${userId}`, expiring (PXAT)
 * REVOCATION_RETENTION_MS after the revocation: by then every credential it refuses has expired
 * too, so Redis forgets it on its own, with no sweep.
 * `client` must be connected; the store does not own it (quit it after the stores).
 */
export function createRedisRevocationStore(client: RedisStoreClient, { keyPrefix }: RedisStoreOptions): RevocationStore {
  const key = (userId: string) => `${keyPrefix}revoked:${userId}`;
  return {
    async revoke(userId, atMs) {
      if (!Number.isFinite(atMs)) throw new RangeError(`revoke: atMs must be a finite epoch ms, got ${atMs}`);
      // PXAT must be a positive integer; a time already past makes Redis drop the key at once.
      const expiresAt = Math.max(1, Math.ceil(atMs) + REVOCATION_RETENTION_MS);
      await REVOKE_SCRIPT.run(client, [key(userId)], [String(atMs), String(expiresAt)]);
    },
    async revokedAt(userId) {
      const stored = await client.get(key(userId));
      if (stored === null || stored === undefined) return undefined;
      const at = Number(stored);
      if (!Number.isFinite(at)) throw new TypeError(`revokedAt: ${key(userId)} holds ${JSON.stringify(stored)}, not epoch ms`);
      // Redis's clock and ours may differ a little: apply the same window the other stores apply.
      return at >= Date.now() - REVOCATION_RETENTION_MS ? at : undefined;
    },
  };
}
