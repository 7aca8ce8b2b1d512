/**
 * Room membership is app state: which rooms a USER is in, independent of their sockets,
 * so a reload, a new tab or a reconnect lands in the same rooms. In memory by default;
 * implement this interface over a shared store (Redis, a database) to run several servers.
 */
export interface MembershipStore {
  join(userId: string, room: string): Promise<void>;
  leave(userId: string, room: string): Promise<void>;
  /** The user's rooms, sorted. */
  roomsOf(userId: string): Promise<string[]>;
}

export function createMemoryMembershipStore(): MembershipStore {
  const rooms = new Map<string, Set<string>>();
  return {
    async join(userId, room) {
      let mine = rooms.get(userId);
      if (!mine) rooms.set(userId, (mine = new Set()));
      mine.add(room);
    },
    async leave(userId, room) {
      const mine = rooms.get(userId);
      if (!mine) return;
      mine.delete(room);
      if (mine.size === 0) rooms.delete(userId);
    },
    async roomsOf(userId) {
      return [...(rooms.get(userId) ?? [])].sort();
    },
  };
}
