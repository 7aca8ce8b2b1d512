/**
 * What every RateLimitStore backend must do: the token bucket. Each test gets a fresh, empty store
 * on a clock the test moves by hand (`now`), so every figure is exact and nothing depends on how
 * busy the machine is. Rates are slow (a token per 10 s or more) because Redis still expires its
 * keys by its own clock, when the bucket would be full again: no key may expire during a test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RateLimitStore, TakeResult } from 'socket-gateway/advanced';
import { withStore, type StoreHandle } from './store-handle';

/** Slow enough that no token comes back during a test (one per 1,000 s). */
const NO_REFILL = 0.001;

/** A fresh store whose buckets refill by `now` (the store's clock option). */
export type RateLimitStoreFactory = (now: () => number) => Promise<StoreHandle<RateLimitStore>>;

export function describeRateLimitStoreContract(name: string, factory: RateLimitStoreFactory): void {
  const run = <T>(body: (store: RateLimitStore, peer: RateLimitStore, clock: { advance(ms: number): void }) => Promise<T>) => {
    let t = 1_700_000_000_000;
    const clock = { advance: (ms: number) => void (t += ms) };
    return withStore(
      () => factory(() => t),
      (store, peer) => body(store, peer, clock),
    );
  };

  describe(`RateLimitStore contract: ${name}`, () => {
    it('a new key starts full: the burst passes, counting down, then it is refused until the next token', () =>
      run(async (store) => {
        const limit = { ratePerSecond: 0.1, burst: 3 }; // a token every 10 s
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 2 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 1 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        expect(await store.take('bob', limit)).toEqual({ ok: false, retryAfterMs: 10_000 });
      }));

    it('peek answers what take would, and takes nothing', () =>
      run(async (store, peer) => {
        const limit = { ratePerSecond: NO_REFILL, burst: 2 };
        expect(await store.peek('bob', limit)).toEqual({ ok: true, remaining: 2 }); // a new key is full
        expect(await store.peek('bob', limit)).toEqual({ ok: true, remaining: 2 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 1 });
        expect(await peer.peek('bob', limit)).toEqual({ ok: true, remaining: 1 });
        expect(await peer.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        const peeked = await store.peek('bob', limit);
        expect(peeked.ok).toBe(false);
        expect((await store.take('bob', limit)).ok).toBe(false);
        expect(await store.peek('alice', limit)).toEqual({ ok: true, remaining: 2 });
      }));

    it('give puts one token back, never past the burst', () =>
      run(async (store, peer) => {
        const limit = { ratePerSecond: NO_REFILL, burst: 2 };
        await store.give('bob', limit); // already full: nothing changes
        expect(await store.peek('bob', limit)).toEqual({ ok: true, remaining: 2 });
        await store.take('bob', limit);
        await store.take('bob', limit);
        expect((await store.take('bob', limit)).ok).toBe(false);
        await peer.give('bob', limit);
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        await store.give('bob', limit);
        await store.give('bob', limit);
        await store.give('bob', limit);
        expect(await peer.peek('bob', limit)).toEqual({ ok: true, remaining: 2 });
      }));

    it('a refusal takes nothing: refused again and again, the wait shrinks with the clock', () =>
      run(async (store, _peer, clock) => {
        const limit = { ratePerSecond: 0.1, burst: 1 };
        await store.take('bob', limit);
        const waits: number[] = [];
        for (let i = 0; i < 5; i++) {
          const result = await store.take('bob', limit);
          expect(result.ok).toBe(false);
          if (!result.ok) waits.push(result.retryAfterMs);
          clock.advance(1_000);
        }
        expect(waits).toEqual([10_000, 9_000, 8_000, 7_000, 6_000]);
      }));

    it('refills at the rate, never past the burst', () =>
      run(async (store, _peer, clock) => {
        const limit = { ratePerSecond: 0.1, burst: 2 }; // a token every 10 s
        expect((await store.take('bob', limit)).ok).toBe(true);
        expect((await store.take('bob', limit)).ok).toBe(true);
        expect(await store.take('bob', limit)).toEqual({ ok: false, retryAfterMs: 10_000 });
        clock.advance(10_000); // exactly one token back
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        expect((await store.take('bob', limit)).ok).toBe(false);
        clock.advance(150_000); // 15 tokens' worth of time: the bucket holds 2
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 1 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        expect((await store.take('bob', limit)).ok).toBe(false);
      }));

    it('retryAfterMs is when the next token comes: refused a millisecond before, allowed at it', () =>
      run(async (store, _peer, clock) => {
        const limit = { ratePerSecond: 0.1, burst: 1 };
        expect((await store.take('bob', limit)).ok).toBe(true);
        clock.advance(2_500);
        const refused = await store.take('bob', limit);
        expect(refused).toEqual({ ok: false, retryAfterMs: 7_500 });
        clock.advance(7_499);
        expect(await store.take('bob', limit)).toEqual({ ok: false, retryAfterMs: 1 });
        clock.advance(1);
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
      }));

    it('fractional rates and a burst of 0', () =>
      run(async (store) => {
        const slow = { ratePerSecond: 0.04, burst: 1 }; // a token every 25 s
        await store.take('slow', slow);
        expect(await store.take('slow', slow)).toEqual({ ok: false, retryAfterMs: 25_000 });
        expect(await store.take('none', { ratePerSecond: 4, burst: 0 })).toEqual({ ok: false, retryAfterMs: 250 });
      }));

    it('keys are independent, byte for byte', () =>
      run(async (store) => {
        const limit = { ratePerSecond: NO_REFILL, burst: 1 };
        const keys = ['emit:a', 'emit:a:b', 'to:a', 'a', 'A', 'ü', 'u\u0308', '😀', ''];
        for (const key of keys) expect(await store.take(key, limit)).toEqual({ ok: true, remaining: 0 });
        for (const key of keys) expect((await store.take(key, limit)).ok).toBe(false);
        expect(await store.take('emit:b', limit)).toEqual({ ok: true, remaining: 0 });
      }));

    it('100 concurrent takes from two nodes on a burst of 20: exactly 20 pass', () =>
      run(async (store, peer) => {
        const limit = { ratePerSecond: NO_REFILL, burst: 20 };
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? peer : store).take('bob', limit)));
        const passed = results.filter((result): result is Extract<TakeResult, { ok: true }> => result.ok);
        expect(passed).toHaveLength(20);
        // Each one saw a distinct count: every take ran alone.
        expect(passed.map((result) => result.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
        expect(results.filter((result) => !result.ok)).toHaveLength(80);
      }));

    it('property: any sequence of takes matches a bucket model (no refill in between)', async () => {
      // One size per key (the app never changes a key's limit; a bucket expired or swept as full
      // takes the size of the next take, in both stores).
      const keys = ['a', 'b', 'c:1'];
      const scenario = fc.record({
        bursts: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: keys.length, maxLength: keys.length }),
        takes: fc.array(fc.integer({ min: 0, max: keys.length - 1 }), { maxLength: 30 }),
      });
      await fc.assert(
        fc.asyncProperty(scenario, ({ bursts, takes }) =>
          run(async (store) => {
            const tokens = [...bursts];
            for (const i of takes) {
              const result = await store.take(keys[i]!, { ratePerSecond: NO_REFILL, burst: bursts[i]! });
              if (tokens[i]! < 1) {
                expect(result.ok).toBe(false);
              } else {
                tokens[i]! -= 1;
                expect(result).toEqual({ ok: true, remaining: tokens[i] });
              }
            }
          }),
        ),
        { numRuns: 100 },
      );
    });
  });
}
