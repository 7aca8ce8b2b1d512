import { checkAppend, checkRead, type RoomHistoryEntry, type RoomHistoryStore } from '../room-history';

export interface MemoryRoomHistoryStore extends RoomHistoryStore {
  /** Drops everything `room` kept (its numbering starts again), as the membership store asks when the room was abandoned. */
  forget(room: string): void;
}

/** Room history in this process's memory (tests; lost on restart). */
export function createMemoryRoomHistoryStore(): MemoryRoomHistoryStore {
  const rooms = new Map<string, { last: number; entries: RoomHistoryEntry[] }>();
  // Every reader gets its own copy through JSON, as from the other backends.
  const copy = (entry: RoomHistoryEntry): RoomHistoryEntry => ({ seq: entry.seq, event: entry.event, data: JSON.parse(JSON.stringify(entry.data)) as unknown });
  return {
    forget(room) {
      rooms.delete(room);
    },
    async append(room, entry, keep) {
      const json = checkAppend(entry, keep);
      let history = rooms.get(room);
      if (!history) rooms.set(room, (history = { last: 0, entries: [] }));
      history.last += 1;
      const stored: RoomHistoryEntry = { seq: history.last, event: entry.event, data: JSON.parse(json) as unknown };
      history.entries.push(stored);
      if (history.entries.length > keep) history.entries.splice(0, history.entries.length - keep);
      return copy(stored);
    },
    async read(room, query) {
      checkRead(query);
      const entries = rooms.get(room)?.entries ?? [];
      const below = query.before === undefined ? entries : entries.filter((entry) => entry.seq < query.before!);
      const page = below.slice(-query.limit);
      return { entries: page.map(copy), hasMore: below.length > page.length };
    },
  };
}
