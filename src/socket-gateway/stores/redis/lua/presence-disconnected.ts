// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: nodes, presence:user, node-users:node. ARGV: nodeId, userId, ttlMs. Replies the live count left. */
export const PRESENCE_DISCONNECTED_LUA = `${PRESENCE_PRELUDE_LUA}
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[3]), ARGV[1])
if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
return liveCount(KEYS[1], KEYS[2])
`;
