// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { EVENT_LOG_PRELUDE_LUA } from './event-log-prelude';

/** KEYS: stream, epoch. ARGV: fresh id. Replies the newest position ('0-0' before the first entry). */
export const EVENT_LOG_HEAD_LUA = `${EVENT_LOG_PRELUDE_LUA}
local epoch = currentEpoch()
local head = headSeq()
if head == 0 then return '0-0' end
return idOf(epochMs(epoch), head)
`;
