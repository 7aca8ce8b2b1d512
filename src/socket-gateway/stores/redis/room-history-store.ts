import { checkAppend, checkRead, type RoomHistoryEntry, type RoomHistoryStore } from '../room-history';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { ROOM_HISTORY_APPEND_LUA } from './lua/room-history-append';
import { ROOM_HISTORY_READ_LUA } from './lua/room-history-read';

// The scripts' text, with what each takes and replies: ./lua/ (one file each).
export const APPEND_HISTORY_SCRIPT = defineLuaScript(ROOM_HISTORY_APPEND_LUA);
export const READ_HISTORY_SCRIPT = defineLuaScript(ROOM_HISTORY_READ_LUA);

/** A room's history keys: its list and its counter (the membership store expires both when the room is abandoned). */
export function historyKeys(keyPrefix: string, room: string): [list: string, seq: string] {
  return [`${keyPrefix}history:${room}`, `${keyPrefix}history-seq:${room}`];
}

/**
 * Room history in Redis, shared by every node. Keys: `${keyPrefix}history:${room}` (a LIST of at
 * most `keep` items) and `${keyPrefix}history-seq:${room}` (the room's last seq).
 * `client` must be connected; the store does not own it (quit it after the stores).
 */
export function createRedisRoomHistoryStore(client: RedisStoreClient, { keyPrefix }: RedisStoreOptions): RoomHistoryStore {
  const listKey = (room: string) => historyKeys(keyPrefix, room)[0];
  const seqKey = (room: string) => historyKeys(keyPrefix, room)[1];
  const parse = (item: unknown): RoomHistoryEntry => {
    const match = typeof item === 'string' ? /^(\d+) (.*)$/s.exec(item) : null;
    if (!match) throw new TypeError(`room history: unexpected item from Redis: ${JSON.stringify(item)}`);
    const { event, data } = JSON.parse(match[2]!) as { event: string; data: unknown };
    return { seq: Number(match[1]), event, data };
  };

  return {
    async append(room, entry, keep) {
      const json = checkAppend(entry, keep);
      const item = JSON.stringify({ event: entry.event, data: JSON.parse(json) as unknown });
      const seq = await APPEND_HISTORY_SCRIPT.run(client, [listKey(room), seqKey(room)], [item, String(keep)]);
      if (typeof seq !== 'number') throw new TypeError(`room history: expected a seq from Redis, got ${JSON.stringify(seq)}`);
      return { seq, event: entry.event, data: JSON.parse(json) as unknown };
    },
    async read(room, query) {
      checkRead(query);
      const reply = await READ_HISTORY_SCRIPT.run(client, [listKey(room)], [query.before === undefined ? '' : String(query.before), String(query.limit + 1)]);
      if (!Array.isArray(reply)) throw new TypeError(`room history: expected a list from Redis, got ${JSON.stringify(reply)}`);
      // Dense seqs make the slice exact; the filter only guards against a list written some other way.
      const items = reply.map(parse).filter((entry) => query.before === undefined || entry.seq < query.before);
      const hasMore = items.length > query.limit;
      return { entries: items.slice(0, query.limit).reverse(), hasMore };
    },
  };
}
