// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: nodes. ARGV: forgetAfterMs. Replies one node whose lease ended before the cutoff, or false. */
export const PRESENCE_FIND_DEAD_LUA = `${PRESENCE_PRELUDE_LUA}
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now - tonumber(ARGV[1])), 'LIMIT', 0, 1)
return found[1] or false
`;
