// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { RATE_LIMIT_BUCKET_LUA } from './rate-limit-bucket';

/** Refills as TAKE_SCRIPT does, then puts one token back (never past burst: a full bucket is deleted). Replies 1. */
export const RATE_LIMIT_GIVE_LUA = `${RATE_LIMIT_BUCKET_LUA}
if not saved[1] then return 1 end
local tokens = math.min(burst, refilled(burst) + 1)
if tokens >= burst then
  redis.call('DEL', KEYS[1])
  return 1
end
save(tokens)
return 1
`;
