import type { JoinResult, MembershipStore } from '../types';
import { byCodeUnit } from '../sort';
import { asInteger, asStrings, type RedisStoreClient, type RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { checkAbandonedHistoryTtl, DEFAULT_ABANDONED_HISTORY_TTL_MS } from '../room-history';
import { historyKeys } from './room-history-store';

/**
 * KEYS[1] the user's rooms (SET), KEYS[2] the room's members (SET), KEYS[3] and KEYS[4] the room's
 * history (list, counter: redis/room-history-store.ts); ARGV: room, userId, maxRooms.
 * Redis runs a script alone, so the count, the check and the writes are one atomic step. A join
 * takes the room's history off its abandoned-room expiry (LEAVE sets it).
 * Replies { ok, added, count } as integers (a Lua false would end the reply array early).
 */
export const JOIN_SCRIPT = defineLuaScript(`
local count = redis.call('SCARD', KEYS[1])
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1, 0, count} end
if count >= tonumber(ARGV[3]) then return {0, 0, count} end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PERSIST', KEYS[3])
redis.call('PERSIST', KEYS[4])
return {1, 1, count + 1}
`);

/**
 * KEYS as JOIN; ARGV: room, userId, abandonedHistoryTtlMs. Both indexes change together; when the
 * room's last member leaves, its history expires after the TTL unless someone joins first.
 * Replies { removed, count }.
 */
export const LEAVE_SCRIPT = defineLuaScript(`
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
if removed == 1 and redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[3])
end
return {removed, redis.call('SCARD', KEYS[1])}
`);

/** KEYS[1] the room's members. Replies their number (a script: the stores' client interface stays small). */
export const COUNT_MEMBERS_SCRIPT = defineLuaScript(`return redis.call('SCARD', KEYS[1])`);

export interface RedisMembershipStoreOptions extends RedisStoreOptions {
  /** A room's history (the history store's keys, same prefix) expires this long after its last member left. */
  abandonedHistoryTtlMs?: number;
}

/**
 * Room membership in Redis, shared by every node. Keys: `${keyPrefix}rooms:${userId}` and
 * `${keyPrefix}members:${room}` (SETs; Redis deletes a set when its last member leaves).
 * `client` must be connected; the store does not own it (quit it after the stores).
 */
export function createRedisMembershipStore(
  client: RedisStoreClient,
  { keyPrefix, abandonedHistoryTtlMs = DEFAULT_ABANDONED_HISTORY_TTL_MS }: RedisMembershipStoreOptions,
): MembershipStore {
  checkAbandonedHistoryTtl(abandonedHistoryTtlMs);
  const roomsKey = (userId: string) => `${keyPrefix}rooms:${userId}`;
  const membersKey = (room: string) => `${keyPrefix}members:${room}`;
  const keysOf = (userId: string, room: string) => [roomsKey(userId), membersKey(room), ...historyKeys(keyPrefix, room)];
  const triple = (reply: unknown, what: string): [number, number, number] => {
    const [a, b, c] = Array.isArray(reply) ? reply : [];
    return [asInteger(a, what), asInteger(b, what), asInteger(c ?? 0, what)];
  };

  return {
    async join(userId, room, maxRooms): Promise<JoinResult> {
      if (Number.isNaN(maxRooms)) throw new RangeError('join: maxRooms must be a number, got NaN');
      // Lua cannot parse 'Infinity': clamp to what means the same (no cap / no room at all).
      const cap = String(Math.max(0, Math.min(maxRooms, Number.MAX_SAFE_INTEGER)));
      const reply = await JOIN_SCRIPT.run(client, keysOf(userId, room), [room, userId, cap]);
      const [ok, added, count] = triple(reply, 'join');
      return ok === 1 ? { ok: true, added: added === 1, count } : { ok: false, reason: 'limit', count };
    },
    async leave(userId, room) {
      const reply = await LEAVE_SCRIPT.run(client, keysOf(userId, room), [room, userId, String(abandonedHistoryTtlMs)]);
      const [removed, count] = triple(reply, 'leave');
      return { removed: removed === 1, count };
    },
    async roomsOf(userId) {
      return asStrings(await client.sMembers(roomsKey(userId)), 'roomsOf').sort(byCodeUnit);
    },
    async isMember(userId, room) {
      return asInteger(await client.sIsMember(roomsKey(userId), room), 'isMember') === 1;
    },
    async membersOf(room) {
      return asStrings(await client.sMembers(membersKey(room)), 'membersOf').sort(byCodeUnit);
    },
    async countMembers(room) {
      return asInteger(await COUNT_MEMBERS_SCRIPT.run(client, [membersKey(room)], []), 'countMembers');
    },
  };
}
