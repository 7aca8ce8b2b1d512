// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { REVOCATION_PRELUDE_LUA } from './revocation-prelude';

/** KEYS: state. ARGV: now, seen, atMs. Raises the global not-before to atMs. Replies { notBefore, mark }. */
export const REVOCATION_REVOKE_ALL_LUA = `${REVOCATION_PRELUDE_LUA}
local notBefore, mark = state()
if tonumber(ARGV[3]) > notBefore then
  notBefore = tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'notBefore', string.format('%d', notBefore))
  mark = bump(mark)
end
return { string.format('%d', notBefore), string.format('%d', mark) }
`;
