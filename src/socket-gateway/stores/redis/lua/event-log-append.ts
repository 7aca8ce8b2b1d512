// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { EVENT_LOG_PRELUDE_LUA } from './event-log-prelude';

/**
 * KEYS: stream, epoch. ARGV: fresh id, maxEntries, the epoch and sequence number of the newest
 * entry the caller has appended ('' and 0: none), then 4 fields per entry: to, event, data, except.
 * Appends the entries in order and replies { epoch, at, id1, id2, … }: the epoch is read in the same
 * atomic step as the entries are written. MAXLEN ~ drops whole stream nodes only (cheap; never below
 * maxEntries).
 * A head below the caller's own newest entry of the same epoch means the stream went back in time
 * (Redis restarted from an older snapshot): a new epoch is started first, so the appends never reuse
 * a position that was already handed out for another entry (see ROLLBACK_SCRIPT).
 */
export const EVENT_LOG_APPEND_LUA = `${EVENT_LOG_PRELUDE_LUA}
local epoch = currentEpoch()
if epoch == ARGV[3] and headSeq() < tonumber(ARGV[4]) then
  redis.call('DEL', KEYS[2])
  epoch = currentEpoch()
end
local at = nowMs()
local idPattern = epochMs(epoch) .. '-*'
local reply = {epoch, at}
for i = 5, #ARGV, 4 do
  reply[#reply + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], idPattern,
    'to', ARGV[i], 'ev', ARGV[i + 1], 'data', ARGV[i + 2], 'ex', ARGV[i + 3], 'at', at)
end
return reply
`;
