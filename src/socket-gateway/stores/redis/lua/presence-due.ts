// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: unsettled. ARGV: how many. Replies up to that many users whose time has come (not taken: SETTLE takes them). */
export const PRESENCE_DUE_LUA = `${PRESENCE_PRELUDE_LUA}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[1]))
`;
