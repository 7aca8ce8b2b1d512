import { checkAppend, checkRead, type RoomHistoryEntry, type RoomHistoryStore } from '../room-history';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';

/**
 * KEYS[1] the room's history (LIST, newest first, items `<seq> <json>`), KEYS[2] its counter;
 * ARGV: the entry as JSON, keep. Numbers the entry one past the newest kept one (so the list's
 * seqs stay dense: the entry with seq s sits at index newest - s), or from the counter when the
 * list is empty (so numbers are not reused after the list was lost), pushes it and trims the list
 * to `keep`, in one atomic step. Replies the seq.
 */
export const APPEND_HISTORY_SCRIPT = defineLuaScript(`
local head = redis.call('LINDEX', KEYS[1], 0)
local seq
if head then
  seq = tonumber(string.match(head, '^(%d+) ')) + 1
  redis.call('SET', KEYS[2], seq)
else
  seq = redis.call('INCR', KEYS[2])
end
redis.call('LPUSH', KEYS[1], seq .. ' ' .. ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return seq
`);

/**
 * KEYS[1] the room's history; ARGV: before ('' for the newest), count. The `count` newest items
 * below `before`, newest first: the index arithmetic needs the seqs to be dense, which the append
 * script guarantees.
 */
export const READ_HISTORY_SCRIPT = defineLuaScript(`
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return {} end
local start = 0
if ARGV[1] ~= '' then
  start = tonumber(string.match(head, '^(%d+) ')) - tonumber(ARGV[1]) + 1
  if start < 0 then start = 0 end
end
return redis.call('LRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
`);

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
