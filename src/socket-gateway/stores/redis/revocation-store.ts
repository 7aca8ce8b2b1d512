import { REVOCATION_RETENTION_MS, type RevocationStore } from '../types';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { REVOCATION_CHECK_LUA } from './lua/revocation-check';
import { REVOCATION_REVOKE_LUA } from './lua/revocation-revoke';
import { REVOCATION_REVOKE_ALL_LUA } from './lua/revocation-revoke-all';
import { REVOCATION_NOT_BEFORE_LUA } from './lua/revocation-not-before';

/*
 * Keys (on Redis Cluster the keyPrefix must be a hash tag: the scripts touch two keys):
 *   ${p}revoked:${userId}   STRING epoch ms: the user's last sign-out (PXAT: forgotten after the retention)
 *   ${p}revocations         HASH  notBefore: the global not-before (epoch ms); mark: a number that
 *                                  every write raises (never lowered by the store itself)
 *
 * Losing data must fail closed (attacks-3 F5). Two ways Redis loses it:
 * - Emptied (FLUSHALL, a restart without persistence, the key deleted): the hash is missing. Every
 *   script first recreates it with notBefore = now, so every credential from before is refused.
 * - Rolled back (restarted from an older RDB/AOF): the hash is there, but its `mark` is lower than
 *   one this handle has already seen (each handle keeps the highest it read). The script then
 *   raises notBefore to now and `mark` past what was seen. Only handles that saw the newer mark can
 *   tell, so every node runs `check()` every second (the socket server's heartbeat): the rollback is
 *   caught within about a second by any node alive across it. A snapshot taken after the last
 *   revocation write holds every sign-out: nothing is lost, and nothing is refused.
 * The event log's own reset is not used for this: the log can be lost alone (its keys evicted or
 * deleted) without any sign-out lost, and the store can tell exactly.
 * The prelude's `state()` (lua/revocation-prelude.ts, on KEYS[1], the hash) does both, then the script does its own work in the same atomic step.
 * ARGV[1] = the caller's clock (epoch ms), ARGV[2] = the highest mark it has seen.
 */

// The scripts' text, with what each takes and replies: ./lua/ (one file each).
export const CHECK_SCRIPT = defineLuaScript(REVOCATION_CHECK_LUA);
export const REVOKE_SCRIPT = defineLuaScript(REVOCATION_REVOKE_LUA);
export const REVOKE_ALL_SCRIPT = defineLuaScript(REVOCATION_REVOKE_ALL_LUA);
export const NOT_BEFORE_SCRIPT = defineLuaScript(REVOCATION_NOT_BEFORE_LUA);

/**
 * Sign-outs in Redis, shared by every node. Key: `${keyPrefix}revoked:${userId}`, expiring (PXAT)
 * REVOCATION_RETENTION_MS after the revocation: by then every credential it refuses has expired
 * too, so Redis forgets it on its own, with no sweep. The global not-before and the mark that
 * catches a rollback live in `${keyPrefix}revocations` (see above).
 * `client` must be connected; the store does not own it (quit it after the stores).
 */
export function createRedisRevocationStore(client: RedisStoreClient, { keyPrefix }: RedisStoreOptions): RevocationStore {
  const key = (userId: string) => `${keyPrefix}revoked:${userId}`;
  const stateKey = `${keyPrefix}revocations`;
  let seenMark = 0;
  let seenNotBefore: number | undefined;
  const args = (...rest: string[]) => [String(Date.now()), String(seenMark), ...rest];
  /** Takes { notBefore, mark } from a reply: remembers the highest mark seen (the rollback check compares with it). */
  const remember = (reply: unknown): number => {
    const [notBefore, mark] = Array.isArray(reply) ? reply.map(Number) : [];
    if (!Number.isFinite(notBefore) || !Number.isFinite(mark)) throw new TypeError(`revocations: unexpected reply ${JSON.stringify(reply)}`);
    seenMark = Math.max(seenMark, mark!);
    seenNotBefore = notBefore!;
    return notBefore!;
  };
  const userRevokedAt = (userId: string, stored: unknown): number | undefined => {
    if (stored === null || stored === undefined || stored === '') return undefined;
    const at = Number(stored);
    if (!Number.isFinite(at)) throw new TypeError(`revokedAt: ${key(userId)} holds ${JSON.stringify(stored)}, not epoch ms`);
    // Redis's clock and ours may differ a little: apply the same window the other stores apply.
    return at >= Date.now() - REVOCATION_RETENTION_MS ? at : undefined;
  };
  return {
    async revoke(userId, atMs) {
      if (!Number.isFinite(atMs)) throw new RangeError(`revoke: atMs must be a finite epoch ms, got ${atMs}`);
      // PXAT must be a positive integer; a time already past makes Redis drop the key at once.
      const expiresAt = Math.max(1, Math.ceil(atMs) + REVOCATION_RETENTION_MS);
      remember(await REVOKE_SCRIPT.run(client, [stateKey, key(userId)], args(String(atMs), String(expiresAt))));
    },
    async revokedAt(userId) {
      return userRevokedAt(userId, await client.get(key(userId)));
    },
    async revokeAll(atMs) {
      if (!Number.isFinite(atMs)) throw new RangeError(`revokeAll: atMs must be a finite epoch ms, got ${atMs}`);
      remember(await REVOKE_ALL_SCRIPT.run(client, [stateKey], args(String(Math.floor(atMs)))));
    },
    async notBefore(userId) {
      const reply = await NOT_BEFORE_SCRIPT.run(client, [stateKey, key(userId)], args());
      const everyone = remember(reply);
      return Math.max(userRevokedAt(userId, (reply as unknown[])[2]) ?? -Infinity, everyone);
    },
    async check() {
      remember(await CHECK_SCRIPT.run(client, [stateKey], args()));
    },
    credentialsResetAt: () => seenNotBefore,
  };
}
