// Lua as a TypeScript string, not a .lua file: esbuild, Turbopack and vitest bundle the library, and none imports .lua text without a loader.

/**
 * Shared by the three scripts (KEYS[1] the bucket, a HASH tokens, at, full, rate; ARGV:
 * ratePerSecond, burst[, now]): `now` (Redis's clock, TIME, so the nodes' clocks do not matter;
 * only a store given a `now` option, tests moving a clock by hand, passes its reading as ARGV[3]),
 * and `refilled(fresh)`: the tokens the bucket holds now, refilled since the last take by the rate
 * and size it was last taken with (never past full, never backwards if the clock steps back), or
 * `fresh` when there is no bucket (a missing bucket is a full one). `save(tokens)` stores it with
 * 17 significant digits (a fraction survives the round trip exactly as a JS number) and lets the
 * key expire when the bucket would be full again.
 */
export const RATE_LIMIT_BUCKET_LUA = `
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'full', 'rate')
local function refilled(fresh)
  if not saved[1] then return fresh end
  local elapsed = math.max(0, now - tonumber(saved[2]))
  return math.min(tonumber(saved[3]), tonumber(saved[1]) + elapsed / 1000 * tonumber(saved[4]))
end
local function save(tokens)
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', now), 'full', ARGV[2], 'rate', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) / rate * 1000)))
end
`;
