// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: nodes, presence:user, node-users:node. ARGV: nodeId, userId, maxConnections (-1: none), ttlMs. */
export const PRESENCE_CONNECTED_LUA = `${PRESENCE_PRELUDE_LUA}
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[4]), ARGV[1])
local count = liveCount(KEYS[1], KEYS[2])
local max = tonumber(ARGV[3])
if max >= 0 and count >= max then return {0, count} end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
return {1, count + 1}
`;
