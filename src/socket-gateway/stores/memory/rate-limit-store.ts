import type { RateLimitStore } from '../types';

/** Buckets kept before full ones are swept (a full bucket is the same as no bucket). */
const SWEEP_ABOVE = 10_000;

export interface MemoryRateLimitStoreOptions {
  /** The clock the buckets refill by (epoch ms). Tests inject one so that no check depends on how busy the machine is. */
  now?: () => number;
}

/** Token buckets in this process's memory (one node; tests). */
export function createMemoryRateLimitStore({ now = Date.now }: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const buckets = new Map<string, { tokens: number; at: number; full: number; rate: number }>();
  const refill = (bucket: { tokens: number; at: number; full: number; rate: number }, t: number) =>
    Math.min(bucket.full, bucket.tokens + ((t - bucket.at) / 1000) * bucket.rate);
  return {
    async take(key, { ratePerSecond, burst }) {
      const t = now();
      if (buckets.size > SWEEP_ABOVE) for (const [k, b] of buckets) if (refill(b, t) >= b.full) buckets.delete(k);
      const bucket = buckets.get(key);
      const tokens = bucket ? refill(bucket, t) : burst;
      if (tokens < 1) return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / ratePerSecond) * 1000) };
      buckets.set(key, { tokens: tokens - 1, at: t, full: burst, rate: ratePerSecond });
      return { ok: true, remaining: Math.floor(tokens - 1) };
    },
    async give(key, { ratePerSecond, burst }) {
      const t = now();
      const bucket = buckets.get(key);
      if (!bucket) return; // a missing bucket is a full one
      const tokens = Math.min(burst, refill(bucket, t) + 1);
      buckets.set(key, { tokens, at: t, full: burst, rate: ratePerSecond });
    },
    async peek(key, { ratePerSecond, burst }) {
      const bucket = buckets.get(key);
      const tokens = bucket ? refill(bucket, now()) : burst;
      if (tokens < 1) return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / ratePerSecond) * 1000) };
      return { ok: true, remaining: Math.floor(tokens) };
    },
  };
}
