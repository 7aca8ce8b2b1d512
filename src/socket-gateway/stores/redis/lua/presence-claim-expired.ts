// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/**
 * KEYS: nodes, node-users:node. ARGV: nodeId. If the node's lease still ran out without nodeDown,
 * marks it as nodeDown does (so nobody takes it again) and replies its users; otherwise false.
 */
export const PRESENCE_CLAIM_EXPIRED_LUA = `${PRESENCE_PRELUDE_LUA}
local lease = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
if lease <= 0 or lease > now then return false end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return redis.call('SMEMBERS', KEYS[2])
`;
