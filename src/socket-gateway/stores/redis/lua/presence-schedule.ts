// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: unsettled. ARGV: afterMs, userId… Each user is settled at now + afterMs, or later if already asked for later (GT). */
export const PRESENCE_SCHEDULE_LUA = `${PRESENCE_PRELUDE_LUA}
local at = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'GT', at, ARGV[i]) end
return 1
`;
