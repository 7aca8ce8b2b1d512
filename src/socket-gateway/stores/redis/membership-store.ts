import type { JoinResult, MembershipStore } from '../types';
import { byCodeUnit } from '../sort';
import { asInteger, asStrings, type RedisStoreClient, type RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';

/**
 * KEYS[1] the user's rooms (SET), KEYS[2] the room's members (SET); ARGV: room, userId, maxRooms.
 * Redis runs a script alone, so the count, the check and both writes are one atomic step.
 * Replies { ok, added, count } as integers (a Lua false would end the reply array early).
 */
export const JOIN_SCRIPT = defineLuaScript(`
local count = redis.call('SCARD', KEYS[1])
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return {1, 0, count} end
if count >= tonumber(ARGV[3]) then return {0, 0, count} end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return {1, 1, count + 1}
`);

/** KEYS as JOIN; ARGV: room, userId. Both indexes change together. Replies { removed, count }. */
export const LEAVE_SCRIPT = defineLuaScript(`
local removed = redis.call('SREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2])
return {removed, redis.call('SCARD', KEYS[1])}
`);

/**
 * Room membership in Redis, shared by every node. Keys: `${keyPrefix}rooms:${userId}` and
 * `${keyPrefix}members:${room}` (SETs; Redis deletes a set when its last member leaves).
 * `client` must be connected; the store does not own it (quit it after the stores).
 */
export function createRedisMembershipStore(client: RedisStoreClient, { keyPrefix }: RedisStoreOptions): MembershipStore {
  const roomsKey = (userId: string) => `${keyPrefix}rooms:${userId}`;
  const membersKey = (room: string) => `${keyPrefix}members:${room}`;
  const triple = (reply: unknown, what: string): [number, number, number] => {
    const [a, b, c] = Array.isArray(reply) ? reply : [];
    return [asInteger(a, what), asInteger(b, what), asInteger(c ?? 0, what)];
  };

  return {
    async join(userId, room, maxRooms): Promise<JoinResult> {
      if (Number.isNaN(maxRooms)) throw new RangeError('join: maxRooms must be a number, got NaN');
      // Lua cannot parse 'Infinity': clamp to what means the same (no cap / no room at all).
      const cap = String(Math.max(0, Math.min(maxRooms, Number.MAX_SAFE_INTEGER)));
      const reply = await JOIN_SCRIPT.run(client, [roomsKey(userId), membersKey(room)], [room, userId, cap]);
      const [ok, added, count] = triple(reply, 'join');
      return ok === 1 ? { ok: true, added: added === 1, count } : { ok: false, reason: 'limit', count };
    },
    async leave(userId, room) {
      const reply = await LEAVE_SCRIPT.run(client, [roomsKey(userId), membersKey(room)], [room, userId]);
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
  };
}
