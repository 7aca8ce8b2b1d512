// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { REVOCATION_PRELUDE_LUA } from './revocation-prelude';

/**
 * KEYS: state, the user's revocation. ARGV: now, seen, atMs, expiry (epoch ms).
 * Keeps the larger of the stored and the new value in one atomic step, so two nodes signing the
 * same user out at once can never move it back. The kept value keeps its own, later, expiry.
 * Replies { notBefore, mark }.
 */
export const REVOCATION_REVOKE_LUA = `${REVOCATION_PRELUDE_LUA}
local notBefore, mark = state()
local old = redis.call('GET', KEYS[2])
if not (old and tonumber(old) >= tonumber(ARGV[3])) then
  redis.call('SET', KEYS[2], ARGV[3], 'PXAT', ARGV[4])
end
mark = bump(mark)
return { string.format('%d', notBefore), string.format('%d', mark) }
`;
