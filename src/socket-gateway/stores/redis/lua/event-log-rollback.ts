// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { EVENT_LOG_PRELUDE_LUA } from './event-log-prelude';

/**
 * KEYS: stream, epoch. ARGV: fresh id, the epoch a reader saw go back in time. Starts a new epoch
 * if that one is still current, and replies the current epoch.
 * A reader's position past the head of its own epoch means the stream went BACK (Redis restarted
 * from an older snapshot): the epoch survived, but the positions after the snapshot now name
 * nothing, and the next appends would reuse them for other entries. So it is a reset: a new epoch.
 */
export const EVENT_LOG_ROLLBACK_LUA = `${EVENT_LOG_PRELUDE_LUA}
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return currentEpoch()
`;
