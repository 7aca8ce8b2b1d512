import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '@/socket-gateway/stores/group-commit';

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every queued microtask (and the ones they queue) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createGroupCommit', () => {
  it('writes the items added in one synchronous run as one batch, in order, and gives each caller its own result', async () => {
    const writes: number[][] = [];
    const commit = createGroupCommit<number, string>({
      write(batch) {
        writes.push(batch);
        return batch.map((n) => `r${n}`);
      },
    });
    const results = await Promise.all([commit(1), commit(2), commit(3)]);
    expect(writes).toEqual([[1, 2, 3]]);
    expect(results).toEqual(['r1', 'r2', 'r3']);
    // A later run is a batch of its own.
    expect(await commit(4)).toBe('r4');
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('writes one batch at a time: what arrives during a write goes, all together, in the next one', async () => {
    const writes: Array<{ batch: string[]; done: ReturnType<typeof deferred<string[]>> }> = [];
    const commit = createGroupCommit<string, string>({
      write(batch) {
        const done = deferred<string[]>();
        writes.push({ batch, done });
        return done.promise;
      },
    });
    const first = commit('a');
    await settle();
    expect(writes.map((w) => w.batch)).toEqual([['a']]);
    const later = [commit('b'), commit('c')];
    await settle();
    const d = commit('d'); // another run, still during the first write
    await settle();
    expect(writes).toHaveLength(1); // nothing overlaps the first write
    writes[0]!.done.resolve(['A']);
    await settle();
    expect(writes.map((w) => w.batch)).toEqual([['a'], ['b', 'c', 'd']]);
    writes[1]!.done.resolve(['B', 'C', 'D']);
    expect(await Promise.all([first, ...later, d])).toEqual(['A', 'B', 'C', 'D']);
  });

  it('splits a run longer than maxBatch into writes of at most maxBatch, in order', async () => {
    const writes: number[][] = [];
    const commit = createGroupCommit<number, number>({
      maxBatch: 2,
      async write(batch) {
        writes.push(batch);
        return batch.map((n) => n * 10);
      },
    });
    expect(await Promise.all([1, 2, 3, 4, 5].map(commit))).toEqual([10, 20, 30, 40, 50]);
    expect(writes).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('rejects every caller of a failed batch with its error, and still writes the next batch', async () => {
    const failure = new Error('write failed');
    const writes: string[][] = [];
    const gate = deferred<void>();
    const commit = createGroupCommit<string, string>({
      async write(batch) {
        writes.push(batch);
        await gate.promise;
        if (batch.includes('bad')) throw failure;
        return batch.map((s) => s.toUpperCase());
      },
    });
    const failed = [commit('x'), commit('bad')].map((p) =>
      p.then(
        () => 'resolved',
        (error: unknown) => error,
      ),
    );
    await settle();
    const next = [commit('y'), commit('z')]; // queued behind the failing write
    gate.resolve();
    expect(await Promise.all(failed)).toEqual([failure, failure]);
    expect(await Promise.all(next)).toEqual(['Y', 'Z']);
    expect(writes).toEqual([
      ['x', 'bad'],
      ['y', 'z'],
    ]);
  });

  it('a synchronous write that throws rejects its batch only', async () => {
    let fail = true;
    const commit = createGroupCommit<number, number>({
      write(batch) {
        if (fail) throw new Error('constraint');
        return batch;
      },
    });
    const failed = Promise.allSettled([commit(1), commit(2)]);
    await settle();
    fail = false;
    expect((await failed).map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await commit(3)).toBe(3);
  });

  it('rejects the batch when write returns a result count that does not match', async () => {
    const commit = createGroupCommit<number, number>({ write: (batch) => batch.slice(1) });
    await expect(Promise.all([commit(1), commit(2)])).rejects.toThrow('write returned 1 results for 2 items');
  });

  it('a synchronous write runs before any of its callers resolves (what the SQLite log relies on to feed its subscribers first)', async () => {
    const seen: string[] = [];
    const commit = createGroupCommit<string, string>({
      write(batch) {
        seen.push(`write ${batch.join(',')}`);
        return batch;
      },
    });
    await Promise.all([commit('a').then((r) => seen.push(`resolved ${r}`)), commit('b').then((r) => seen.push(`resolved ${r}`))]);
    expect(seen).toEqual(['write a,b', 'resolved a', 'resolved b']);
  });

  it('refuses a maxBatch below 1', () => {
    expect(() => createGroupCommit({ write: (batch: number[]) => batch, maxBatch: 0 })).toThrow(RangeError);
  });

  it('property: each caller gets the result of its own item, writes never overlap and carry the items in call order', async () => {
    // A run: some synchronous groups of adds, each followed by a number of microtask/macrotask
    // yields; writes are sync or async (resolving after a few ticks) and some fail.
    const step = fc.record({ adds: fc.integer({ min: 1, max: 6 }), yields: fc.integer({ min: 0, max: 3 }) });
    const plan = fc.record({
      steps: fc.array(step, { minLength: 1, maxLength: 12 }),
      maxBatch: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
      writes: fc.array(fc.record({ sync: fc.boolean(), fail: fc.boolean(), ticks: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 8 }),
    });
    await fc.assert(
      fc.asyncProperty(plan, async ({ steps, maxBatch, writes: kinds }) => {
        const batches: number[][] = [];
        const failedBatches = new Set<number>();
        let active = 0;
        let overlapped = false;
        const commit = createGroupCommit<number, { item: number; batch: number }>({
          maxBatch,
          write(batch) {
            const index = batches.length;
            batches.push(batch);
            const kind = kinds[index % kinds.length]!;
            const results = batch.map((item) => ({ item, batch: index }));
            if (kind.fail) failedBatches.add(index);
            if (active++ > 0) overlapped = true;
            if (kind.sync) {
              active--;
              if (kind.fail) throw new Error(`batch ${index}`);
              return results;
            }
            return (async () => {
              for (let i = 0; i < kind.ticks; i++) await Promise.resolve();
              active--;
              if (kind.fail) throw new Error(`batch ${index}`);
              return results;
            })();
          },
        });
        const calls: Array<{ item: number; outcome: Promise<{ ok: true; batch: number; item: number } | { ok: false; message: string }> }> = [];
        let next = 0;
        for (const { adds, yields } of steps) {
          for (let i = 0; i < adds; i++) {
            const item = next++;
            calls.push({
              item,
              outcome: commit(item).then(
                (result) => ({ ok: true as const, ...result }),
                (error: unknown) => ({ ok: false as const, message: (error as Error).message }),
              ),
            });
          }
          for (let i = 0; i < yields; i++) await (i % 2 ? settle() : Promise.resolve());
        }
        const outcomes = await Promise.all(calls.map((call) => call.outcome));

        expect(overlapped).toBe(false);
        // Every item written exactly once, in call order.
        expect(batches.flat()).toEqual(calls.map((call) => call.item));
        for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(maxBatch ?? Infinity);
        // Each caller got its own item's result, or the error of the batch that carried it.
        outcomes.forEach((outcome, i) => {
          const batch = batches.findIndex((b) => b.includes(calls[i]!.item));
          if (failedBatches.has(batch)) expect(outcome).toEqual({ ok: false, message: `batch ${batch}` });
          else expect(outcome).toEqual({ ok: true, item: calls[i]!.item, batch });
        });
      }),
      { numRuns: 200 },
    );
  });
});
