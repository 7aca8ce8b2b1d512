// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * KEYS[1] the room's history (LIST, newest first, items `<seq> <json>`), KEYS[2] its counter;
 * ARGV: the entry as JSON, keep. Numbers the entry one past the newest kept one (so the list's
 * seqs stay dense: the entry with seq s sits at index newest - s), or from the counter when the
 * list is empty (so numbers are not reused after the list was lost), pushes it and trims the list
 * to `keep`, in one atomic step. Replies the seq.
 */
export const ROOM_HISTORY_APPEND_LUA = `
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
`;
