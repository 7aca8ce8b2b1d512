// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { REVOCATION_PRELUDE_LUA } from './revocation-prelude';

/** KEYS: state. ARGV: now, seen. Replies { notBefore, mark }. */
export const REVOCATION_CHECK_LUA = `${REVOCATION_PRELUDE_LUA}
local notBefore, mark = state()
return { string.format('%d', notBefore), string.format('%d', mark) }
`;
