import type { MembershipStore } from '../types';
import { checkAbandonedHistoryTtl, DEFAULT_ABANDONED_HISTORY_TTL_MS } from '../room-history';

export interface MemoryMembershipStoreOptions {
  /**
   * The room histories to drop once a room has had no member for `abandonedHistoryTtlMs`
   * (a memory history store's `forget`). Left out: no history is tied to these rooms.
   */
  history?: { forget(room: string): void };
  abandonedHistoryTtlMs?: number;
  now?: () => number;
}

/** Abandoned rooms one join or leave sweeps at most (bounded work per call; more than one call can abandon). */
const SWEEP_BATCH = 10;

/** Room membership in this process's memory (tests; lost on restart). */
export function createMemoryMembershipStore({
  history,
  abandonedHistoryTtlMs = DEFAULT_ABANDONED_HISTORY_TTL_MS,
  now = Date.now,
}: MemoryMembershipStoreOptions = {}): MembershipStore {
  checkAbandonedHistoryTtl(abandonedHistoryTtlMs);
  const byUser = new Map<string, Set<string>>();
  const byRoom = new Map<string, Set<string>>();
  /** Rooms whose last member left, with when (oldest first: a Map keeps insertion order). */
  const abandoned = new Map<string, number>();
  const add = (index: Map<string, Set<string>>, key: string, value: string) => {
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(value);
  };
  const remove = (index: Map<string, Set<string>>, key: string, value: string) => {
    const set = index.get(key);
    if (!set) return;
    set.delete(value);
    if (set.size === 0) index.delete(key);
  };
  /** Drops the history of rooms empty for longer than the TTL (at most SWEEP_BATCH), and of `room` if it is one. */
  const sweep = (room?: string) => {
    const cutoff = now() - abandonedHistoryTtlMs;
    const since = room === undefined ? undefined : abandoned.get(room);
    if (room !== undefined && since !== undefined && since < cutoff) {
      abandoned.delete(room);
      history?.forget(room);
    }
    let swept = 0;
    for (const [name, at] of abandoned) {
      if (at >= cutoff || swept++ >= SWEEP_BATCH) break;
      abandoned.delete(name);
      history?.forget(name);
    }
  };
  return {
    async join(userId, room, maxRooms) {
      const mine = byUser.get(userId);
      const count = mine?.size ?? 0;
      if (mine?.has(room)) return { ok: true, added: false, count };
      if (count >= maxRooms) return { ok: false, reason: 'limit', count };
      sweep(room);
      abandoned.delete(room);
      add(byUser, userId, room);
      add(byRoom, room, userId);
      return { ok: true, added: true, count: count + 1 };
    },
    async leave(userId, room) {
      const removed = byUser.get(userId)?.has(room) ?? false;
      remove(byUser, userId, room);
      remove(byRoom, room, userId);
      if (removed && !byRoom.has(room)) {
        abandoned.delete(room); // re-inserted: the newest at the end
        abandoned.set(room, now());
      }
      sweep();
      return { removed, count: byUser.get(userId)?.size ?? 0 };
    },
    async roomsOf(userId) {
      return [...(byUser.get(userId) ?? [])].sort();
    },
    async isMember(userId, room) {
      return byUser.get(userId)?.has(room) ?? false;
    },
    async membersOf(room) {
      return [...(byRoom.get(room) ?? [])].sort();
    },
    async countMembers(room) {
      return byRoom.get(room)?.size ?? 0;
    },
  };
}
