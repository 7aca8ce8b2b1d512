import type { RateLimit, RateLimitStore, TakeResult } from '../types';
import { asInteger, type RedisStoreClient, type RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';

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
const BUCKET = `
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

/**
 * The memory store's token bucket, step for step, as one atomic script: refuse without taking when
 * less than one token is left, else take one. Replies {1, remaining} or {0, retryAfterMs}.
 */
export const TAKE_SCRIPT = defineLuaScript(`${BUCKET}
local tokens = refilled(burst)
if tokens < 1 then return {0, math.ceil((1 - tokens) / rate * 1000)} end
save(tokens - 1)
return {1, math.floor(tokens - 1)}
`);

/** TAKE_SCRIPT's answer without taking: {1, tokens now} or {0, retryAfterMs}. */
export const PEEK_SCRIPT = defineLuaScript(`${BUCKET}
local tokens = refilled(burst)
if tokens < 1 then return {0, math.ceil((1 - tokens) / rate * 1000)} end
return {1, math.floor(tokens)}
`);

/** Refills as TAKE_SCRIPT does, then puts one token back (never past burst: a full bucket is deleted). Replies 1. */
export const GIVE_SCRIPT = defineLuaScript(`${BUCKET}
if not saved[1] then return 1 end
local tokens = math.min(burst, refilled(burst) + 1)
if tokens >= burst then
  redis.call('DEL', KEYS[1])
  return 1
end
save(tokens)
return 1
`);

/**
 * Token buckets in Redis, shared by every node, so adding nodes does not multiply the limits.
 * Key: `${keyPrefix}rate:${key}`. `client` must be connected; the store does not own it (quit it
 * after the stores). Unlike the memory store, it refuses a limit that is not finite and positive
 * (a RangeError): Redis cannot store an infinite bucket nor expire it.
 */
export interface RedisRateLimitStoreOptions extends RedisStoreOptions {
  /**
   * Tests only: the clock the buckets refill by (epoch ms) instead of Redis's TIME, so that no check
   * depends on how busy the machine is. Every node sharing the keys must then use the same clock.
   * The keys still expire by Redis's own clock: keep a test's buckets slow enough that none does.
   */
  now?: () => number;
}

export function createRedisRateLimitStore(client: RedisStoreClient, { keyPrefix, now }: RedisRateLimitStoreOptions): RateLimitStore {
  const run = async (script: typeof TAKE_SCRIPT, what: string, key: string, { ratePerSecond, burst }: RateLimit, noReply = false): Promise<TakeResult> => {
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0 && Number.isFinite(burst) && burst >= 0)) {
      throw new RangeError(`${what}: ratePerSecond must be finite and > 0, burst finite and >= 0; got ${ratePerSecond}, ${burst}`);
    }
    // String(n) is the shortest text that reads back as the same double, so Lua sees the same numbers as JS.
    const args = [String(ratePerSecond), String(burst)];
    if (now) args.push(String(Math.floor(now())));
    const reply = await script.run(client, [`${keyPrefix}rate:${key}`], args);
    if (noReply) return { ok: true, remaining: 0 };
    const [ok, value] = Array.isArray(reply) ? reply : [];
    const n = asInteger(value, what);
    return asInteger(ok, what) === 1 ? { ok: true, remaining: n } : { ok: false, retryAfterMs: n };
  };
  return {
    take: (key, limit) => run(TAKE_SCRIPT, 'take', key, limit),
    peek: (key, limit) => run(PEEK_SCRIPT, 'peek', key, limit),
    give: async (key, limit) => {
      await run(GIVE_SCRIPT, 'give', key, limit, true);
    },
  };
}
