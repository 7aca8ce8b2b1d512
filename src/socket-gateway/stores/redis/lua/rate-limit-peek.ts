// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.
import { RATE_LIMIT_BUCKET_LUA } from './rate-limit-bucket';

/** TAKE_SCRIPT's answer without taking: {1, tokens now} or {0, retryAfterMs}. */
export const RATE_LIMIT_PEEK_LUA = `${RATE_LIMIT_BUCKET_LUA}
local tokens = refilled(burst)
if tokens < 1 then return {0, math.ceil((1 - tokens) / rate * 1000)} end
return {1, math.floor(tokens)}
`;
