// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { EVENT_LOG_PRELUDE_LUA } from './event-log-prelude';

/**
 * KEYS: stream, epoch. ARGV: fresh id, after, until ('+': none), limit, mode ('range' | 'tail').
 * Replies { epoch, 'ok' | 'gap', from, entries }: the entries after \`from\` up to \`until\`, at most
 * \`limit\`. 'gap' when \`after\` is not a position of this epoch, is newer than the head, or an entry
 * after it was trimmed; in 'range' mode that is the whole answer, in 'tail' mode the read goes on
 * from what is there (\`from\` says where). The checks and the read are one atomic step.
 */
export const EVENT_LOG_READ_LUA = `${EVENT_LOG_PRELUDE_LUA}
local epoch = currentEpoch()
local ms = epochMs(epoch)
local head = headSeq()
local first = firstSeq(head)
local after = seqIn(ARGV[2], ms)
local status = 'ok'
if after == nil or after > head or after < first - 1 then
  status = 'gap'
  if ARGV[5] == 'range' then return {epoch, status} end
  if after == nil or after > head then after = head else after = first - 1 end
end
local upto = head
if ARGV[3] ~= '+' then
  local bound = seqIn(ARGV[3], ms)
  if bound == nil then
    if not isLater(string.match(ARGV[3], '^(%d+)'), ms) then upto = 0 end
  elseif bound < head then
    upto = bound
  end
end
local entries = {}
local limit = tonumber(ARGV[4])
if limit > 0 and upto > after then
  entries = redis.call('XRANGE', KEYS[1], idOf(ms, after + 1), idOf(ms, upto), 'COUNT', limit)
end
return {epoch, status, idOf(ms, after), entries}
`;
