// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { PRESENCE_PRELUDE_LUA } from './presence-prelude';

/** KEYS: nodes, presence:user… Replies 1 or 0 per user. */
export const PRESENCE_IS_ONLINE_LUA = `${PRESENCE_PRELUDE_LUA}
local online = {}
for i = 2, #KEYS do online[i - 1] = liveCount(KEYS[1], KEYS[i]) > 0 and 1 or 0 end
return online
`;
