// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/**
 * KEYS: nodes, node-users:node, presence:user… ARGV: nodeId, ttlMs, then userId, count for each
 * presence key (same order). Renews the lease and sets each user's count on the node (0: removes it).
 */
export const PRESENCE_RESTORE_LUA = `${PRESENCE_PRELUDE_LUA}
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[2]), ARGV[1])
for i = 3, #KEYS do
  local user = ARGV[2 * i - 3]
  local count = tonumber(ARGV[2 * i - 2])
  if count > 0 then
    redis.call('HSET', KEYS[i], ARGV[1], count)
    redis.call('SADD', KEYS[2], user)
  else
    redis.call('HDEL', KEYS[i], ARGV[1])
    redis.call('SREM', KEYS[2], user)
  end
end
return 1
`;
