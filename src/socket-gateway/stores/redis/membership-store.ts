import type { JoinResult, MembershipStore } from '../types';
import { byCodeUnit } from '../sort';
import { asInteger, asStrings, type RedisStoreClient, type RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { MEMBERSHIP_JOIN_LUA } from './lua/membership-join';
import { MEMBERSHIP_LEAVE_LUA } from './lua/membership-leave';
import { MEMBERSHIP_COUNT_MEMBERS_LUA } from './lua/membership-count-members';
import { checkAbandonedHistoryTtl, DEFAULT_ABANDONED_HISTORY_TTL_MS } from '../room-history';
import { historyKeys } from './room-history-store';

// The scripts' text, with what each takes and replies: ./lua/ (one file each).
export const JOIN_SCRIPT = defineLuaScript(MEMBERSHIP_JOIN_LUA);
export const LEAVE_SCRIPT = defineLuaScript(MEMBERSHIP_LEAVE_LUA);
export const COUNT_MEMBERS_SCRIPT = defineLuaScript(MEMBERSHIP_COUNT_MEMBERS_LUA);

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
