// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { RATE_LIMIT_BUCKET_LUA } from './rate-limit-bucket';

/**
 * The memory store's token bucket, step for step, as one atomic script: refuse without taking when
 * less than one token is left, else take one. Replies {1, remaining} or {0, retryAfterMs}.
 */
export const RATE_LIMIT_TAKE_LUA = `${RATE_LIMIT_BUCKET_LUA}
local tokens = refilled(burst)
if tokens < 1 then return {0, math.ceil((1 - tokens) / rate * 1000)} end
save(tokens - 1)
return {1, math.floor(tokens - 1)}
`;
