// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: nodes. ARGV: the caller's nodeId. Replies one other node whose lease ran out without nodeDown (0 < lease <= now), or false. */
export const PRESENCE_FIND_EXPIRED_LUA = `${PRESENCE_PRELUDE_LUA}
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '(0', string.format('%d', now), 'LIMIT', 0, 2)
for _, node in ipairs(found) do
  if node ~= ARGV[1] then return node end
end
return false
`;
