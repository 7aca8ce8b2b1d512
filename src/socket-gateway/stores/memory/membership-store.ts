import type { MembershipStore } from '../types';

/** Room membership in this process's memory (tests; lost on restart). */
export function createMemoryMembershipStore(): MembershipStore {
  const byUser = new Map<string, Set<string>>();
  const byRoom = new Map<string, Set<string>>();
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
  return {
    async join(userId, room, maxRooms) {
      const mine = byUser.get(userId);
      const count = mine?.size ?? 0;
      if (mine?.has(room)) return { ok: true, added: false, count };
      if (count >= maxRooms) return { ok: false, reason: 'limit', count };
      add(byUser, userId, room);
      add(byRoom, room, userId);
      return { ok: true, added: true, count: count + 1 };
    },
    async leave(userId, room) {
      const removed = byUser.get(userId)?.has(room) ?? false;
      remove(byUser, userId, room);
      remove(byRoom, room, userId);
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
  };
}
