/**
 * Group commit: many callers' items written by one call of `write`, each caller getting its own
 * result. Both event logs append through it (stores/sqlite/event-log.ts: one transaction per batch;
 * stores/redis/event-log.ts: one script call per batch), because one write's fixed cost (a commit,
 * a round trip) was most of an append's cost.
 *
 * - The items added in one synchronous run (a loop of emits, one tick) travel together: the first
 *   one schedules the write in a microtask right after the run, so a lone item waits only for that.
 * - One write at a time: items added while a write is under way wait for it, and the next write
 *   carries all of them (at most `maxBatch` each), in the order they were added. So writes happen in
 *   call order, even when one is slow (a Redis script resent after NOSCRIPT).
 * - `write` returns one result per item, in the same order; item i's caller gets result i. If it
 *   throws (or returns a different number of results), every caller of THAT batch is rejected with
 *   the error, and the next batch is still written.
 * - A synchronous `write` (SQLite) is not awaited: its callers are settled as soon as it returns.
 *   Whatever `write` does runs before any caller of its batch resumes: the SQLite log hands its
 *   entries to the subscribers there, before any append resolves.
 * @see https://www.sqlite.org/faq.html#q19
 */
export interface GroupCommitOptions<Item, Result> {
  /** Writes one batch, in order, and returns one result per item. */
  write(batch: Item[]): Result[] | PromiseLike<Result[]>;
  /** At most this many items per write (a bound on one write's run time and reply). Default: no bound. */
  maxBatch?: number;
}

/** Adds an item to the next batch; resolves with its result once that batch is written. */
export type GroupCommit<Item, Result> = (item: Item) => Promise<Result>;

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

export function createGroupCommit<Item, Result>({ write, maxBatch = Infinity }: GroupCommitOptions<Item, Result>): GroupCommit<Item, Result> {
  if (!(maxBatch >= 1)) throw new RangeError(`group commit: maxBatch must be at least 1, got ${maxBatch}`);
  let waiting: Waiting<Item, Result>[] = [];
  let writing = false;

  const settle = (batch: Waiting<Item, Result>[], results: Result[]) => {
    if (results.length !== batch.length) throw new Error(`group commit: write returned ${results.length} results for ${batch.length} items`);
    batch.forEach((entry, i) => entry.resolve(results[i]!));
  };

  const drain = async () => {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting.length > maxBatch ? waiting.slice(0, maxBatch) : waiting;
      waiting = waiting.slice(batch.length);
      try {
        const out = write(batch.map((entry) => entry.item));
        settle(batch, isPromiseLike(out) ? await out : out);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    writing = false;
  };

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      // Started after this synchronous run, so the items it adds travel together.
      if (waiting.push({ item, resolve, reject }) === 1 && !writing) queueMicrotask(() => void drain());
    });
}

function isPromiseLike<T>(value: T[] | PromiseLike<T[]>): value is PromiseLike<T[]> {
  return typeof (value as { then?: unknown }).then === 'function';
}
