// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/**
 * KEYS: nodes, node-users:node, presence:user… ARGV: nodeId, forgetAfterMs, userId… (same order).
 * Re-checks that the node is still dead (it may have come back since FIND_DEAD), deletes its
 * field from each user's hash, and drops the node once no user is left. Replies the fields
 * deleted, or -1 when the node came back.
 */
export const PRESENCE_FORGET_LUA = `${PRESENCE_PRELUDE_LUA}
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if lease and tonumber(lease) >= now - tonumber(ARGV[2]) then return -1 end
local removed = 0
for i = 3, #KEYS do
  removed = removed + redis.call('HDEL', KEYS[i], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[i])
end
if redis.call('SCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
return removed
`;
