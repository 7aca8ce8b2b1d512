/**
 * What every RateLimitStore backend must do: the memory store's token bucket. Each test gets a
 * fresh, empty store; refills are real time, so the rates here are chosen so that a busy 2-core
 * box can only make a check more lenient in the direction it asserts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RateLimitStore, TakeResult } from '@/socket-gateway/stores/types';
import { withStore, type StoreFactory } from './store-handle';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Slow enough that no token comes back during a test (one per 1,000 s). */
const NO_REFILL = 0.001;

export function describeRateLimitStoreContract(name: string, factory: StoreFactory<RateLimitStore>): void {
  const run = <T>(body: (store: RateLimitStore, peer: RateLimitStore) => Promise<T>) => withStore(factory, body);

  describe(`RateLimitStore contract: ${name}`, () => {
    it('a new key starts full: the burst passes, counting down, then it is refused', () =>
      run(async (store) => {
        const limit = { ratePerSecond: 1, burst: 3 };
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 2 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 1 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        const refused = await store.take('bob', limit);
        expect(refused.ok).toBe(false);
        // About a second until the next token, less whatever trickled back since the last take.
        expect(!refused.ok && refused.retryAfterMs).toBeGreaterThan(500);
        expect(!refused.ok && refused.retryAfterMs).toBeLessThanOrEqual(1_000);
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

    it('a refusal takes nothing: refused again and again, the wait only shrinks', () =>
      run(async (store) => {
        const limit = { ratePerSecond: 2, burst: 1 };
        await store.take('bob', limit);
        const waits: number[] = [];
        for (let i = 0; i < 5; i++) {
          const result = await store.take('bob', limit);
          expect(result.ok).toBe(false);
          if (!result.ok) waits.push(result.retryAfterMs);
        }
        expect([...waits].sort((a, b) => b - a)).toEqual(waits);
        expect(waits[0]).toBeLessThanOrEqual(500);
      }));

    it('refills at the rate, never past the burst', () =>
      run(async (store) => {
        const limit = { ratePerSecond: 50, burst: 2 }; // a token every 20 ms
        expect((await store.take('bob', limit)).ok).toBe(true);
        expect((await store.take('bob', limit)).ok).toBe(true);
        const refused = await store.take('bob', limit);
        expect(!refused.ok && refused.retryAfterMs).toBeLessThanOrEqual(20);
        await sleep(300); // 15 tokens' worth of time: the bucket holds 2
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 1 });
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
        expect((await store.take('bob', limit)).ok).toBe(false);
      }));

    it('retryAfterMs is when the next token comes: refused before, allowed after', () =>
      run(async (store) => {
        const limit = { ratePerSecond: 10, burst: 1 };
        expect((await store.take('bob', limit)).ok).toBe(true);
        const refused = await store.take('bob', limit);
        if (refused.ok) throw new Error('expected a refusal');
        expect(refused.retryAfterMs).toBeGreaterThan(50);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
        await sleep(refused.retryAfterMs + 15);
        expect(await store.take('bob', limit)).toEqual({ ok: true, remaining: 0 });
      }));

    it('fractional rates and a burst of 0', () =>
      run(async (store) => {
        const slow = await (async () => {
          await store.take('slow', { ratePerSecond: 0.5, burst: 1 });
          return store.take('slow', { ratePerSecond: 0.5, burst: 1 });
        })();
        expect(!slow.ok && slow.retryAfterMs).toBeGreaterThan(1_500);
        expect(!slow.ok && slow.retryAfterMs).toBeLessThanOrEqual(2_000);
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
