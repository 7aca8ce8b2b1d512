// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: nodes. ARGV: nodeId, lease end relative to now (ms; 'down' sets it to 0). */
export const PRESENCE_LEASE_LUA = `${PRESENCE_PRELUDE_LUA}
local lease = 0
if ARGV[2] ~= 'down' then lease = now + tonumber(ARGV[2]) end
redis.call('ZADD', KEYS[1], lease, ARGV[1])
return 1
`;
