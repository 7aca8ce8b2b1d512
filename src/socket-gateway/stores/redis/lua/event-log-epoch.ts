// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { EVENT_LOG_PRELUDE_LUA } from './event-log-prelude';

/** KEYS: stream, epoch. ARGV: fresh id. Replies the epoch. */
export const EVENT_LOG_EPOCH_LUA = `${EVENT_LOG_PRELUDE_LUA}
return currentEpoch()
`;
