// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { REVOCATION_PRELUDE_LUA } from './revocation-prelude';

/** KEYS: state, the user's revocation. ARGV: now, seen. Replies { notBefore, mark, the user's revocation or '' }. */
export const REVOCATION_NOT_BEFORE_LUA = `${REVOCATION_PRELUDE_LUA}
local notBefore, mark = state()
local user = redis.call('GET', KEYS[2]) or ''
return { string.format('%d', notBefore), string.format('%d', mark), user }
`;
