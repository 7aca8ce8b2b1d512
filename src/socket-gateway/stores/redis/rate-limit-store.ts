import type { RateLimit, RateLimitStore, TakeResult } from '../types';
import { asInteger, type RedisStoreClient, type RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { RATE_LIMIT_TAKE_LUA } from './lua/rate-limit-take';
import { RATE_LIMIT_PEEK_LUA } from './lua/rate-limit-peek';
import { RATE_LIMIT_GIVE_LUA } from './lua/rate-limit-give';

// The scripts' text, with what each takes and replies: ./lua/ (one file each).
export const TAKE_SCRIPT = defineLuaScript(RATE_LIMIT_TAKE_LUA);
export const PEEK_SCRIPT = defineLuaScript(RATE_LIMIT_PEEK_LUA);
export const GIVE_SCRIPT = defineLuaScript(RATE_LIMIT_GIVE_LUA);

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
