import { randomUUID } from 'node:crypto';
import { comparePositions, DEFAULT_EVENT_LOG_RETENTION, type EventLog, type EventLogRetention, type LogEntry, type LogEntryInput } from '../event-log';
import { EventLogResyncError, guardedSubscriber } from '../event-log-subscription';
import { RELEASED_ENTRY } from '../released-entry';

export interface MemoryEventLogOptions {
  /** The clock that stamps entries and judges their age in `trim()` (tests inject one). */
  now?: () => number;
  /** At most this many entries are dropped by one `trim()` call (bounded work per call, as the other logs). Default: all it can. */
  trimBatch?: number;
}

interface PendingAppend {
  input: LogEntryInput;
  resolve(entry: LogEntry): void;
}

interface Subscription {
  deliver(entries: LogEntry[]): void;
  active: boolean;
}

/**
 * The event log in this process's memory (the library's default; tests). Lost on restart, so a
 * restart means a new epoch.
 *
 * It keeps the timing and the promises of the embedded SQLite log (sqlite/event-log.ts), so code
 * and tests running on it see what production sees: the appends of one synchronous run get their
 * positions and reach the subscribers together in a microtask after it, before any of them
 * resolves; never inside `append`. A subscriber that throws is isolated (`guardedSubscriber`), and
 * a subscription that starts from a trimmed or foreign position is told so (`EventLogResyncError`
 * 'gap') before anything is delivered. Payloads are copied through JSON at the call, as the other
 * backends store them: a caller changing its object later changes nothing, and a payload that
 * cannot be stored (a cycle, a BigInt) rejects its own append.
 * @see ../event-log-subscription.ts
 */
export function createMemoryEventLog(
  retention: EventLogRetention = DEFAULT_EVENT_LOG_RETENTION,
  { now = Date.now, trimBatch = Infinity }: MemoryEventLogOptions = {},
): EventLog {
  if (!(retention.maxEntries >= 1)) throw new RangeError(`event log: maxEntries must be at least 1, got ${retention.maxEntries}`);
  if (!(trimBatch >= 1)) throw new RangeError(`event log: trimBatch must be at least 1, got ${trimBatch}`);
  const epoch = randomUUID();
  /**
   * The kept entries are entries[first..]: dropping the oldest moves `first` and compacts now and
   * then, because removing from the front of a large array is not free in V8 (splice(0, 1) or
   * shift() on 100,000 entries copied them all: ~15 µs per emit once the log was full).
   */
  let entries: LogEntry[] = [];
  let first = 0;
  const kept = () => entries.length - first;
  const dropOldest = (count: number) => {
    for (let i = first; i < first + count; i++) entries[i] = RELEASED_ENTRY; // garbage now, not at the next compaction
    first += count;
    if (first > 1_000 && first > entries.length >> 1) {
      entries = entries.slice(first);
      first = 0;
    }
  };
  let seq = 0;
  let trimmedThrough = 0; // the newest seq ever trimmed
  const subscriptions = new Set<Subscription>();
  const head = () => `0-${seq}`;

  let pending: PendingAppend[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    const appended = batch.map(({ input }) => {
      seq += 1;
      const entry: LogEntry = { ...input, position: `0-${seq}`, at: now() };
      entries.push(entry);
      return entry;
    });
    // The count bound holds at every append, as in the other backends (trim() applies the age window).
    if (kept() > retention.maxEntries) {
      const drop = kept() - retention.maxEntries;
      trimmedThrough = Number(entries[first + drop - 1]!.position.slice(2));
      dropOldest(drop);
    }
    // One batch to every subscriber, then the appends resolve (as the SQLite log does; the entries are shared, as there).
    for (const subscription of [...subscriptions]) if (subscription.active) subscription.deliver(appended);
    batch.forEach((p, i) => p.resolve(appended[i]!));
  };

  /** The seq a position names, or undefined when it cannot be one of this log's (`<ms>` not 0). Throws on a malformed one. */
  const seqOf = (position: string): number | undefined => {
    comparePositions(position, '0-0'); // throws a TypeError on a malformed position
    const [ms, n] = position.split('-').map(BigInt) as [bigint, bigint];
    return ms === 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
  };

  return {
    retention,
    async epoch() {
      return epoch;
    },
    async append(input, dataJson) {
      const stored = copyInput(input, dataJson); // taken now: a later change to the caller's object changes nothing
      return new Promise<LogEntry>((resolve) => {
        if (pending.push({ input: stored, resolve }) === 1) queueMicrotask(flush);
      });
    },
    async head() {
      return head();
    },
    async readRange(after, until, limit) {
      const afterSeq = seqOf(after);
      const untilSeq = seqOf(until) ?? Number.MAX_SAFE_INTEGER; // a foreign bound only bounds
      if (afterSeq === undefined || afterSeq < trimmedThrough || afterSeq > seq) return 'gap';
      const out: LogEntry[] = [];
      for (let i = first; i < entries.length; i++) {
        const entry = entries[i]!;
        if (out.length >= limit) break;
        const n = Number(entry.position.slice(2));
        if (n > afterSeq && n <= untilSeq) out.push(copy(entry));
      }
      return out;
    },
    subscribe(from, onEntries, onError) {
      const requested = seqOf(from);
      const subscription: Subscription = { active: true, deliver: guardedSubscriber(onEntries, onError) };
      // Synchronous from here on: no flush can slip in between the backlog and going live.
      let after: number;
      if (requested === undefined || requested > seq || requested < trimmedThrough) {
        // Never part of this log (forged, another epoch), or entries after it were trimmed: say so,
        // then go on with what is there (from the head, or from the oldest entry left).
        after = requested === undefined || requested > seq ? seq : trimmedThrough;
        onError?.(new EventLogResyncError('gap', epoch, `0-${after}`));
      } else {
        after = requested;
      }
      const backlog = entries
        .slice(first)
        .filter((entry) => Number(entry.position.slice(2)) > after)
        .map(copy);
      if (backlog.length) subscription.deliver(backlog);
      subscriptions.add(subscription);
      return {
        async stop() {
          subscription.active = false;
          subscriptions.delete(subscription);
        },
      };
    },
    async trim() {
      const cutoff = now() - retention.retentionMs;
      let drop = 0;
      while (drop < kept() && drop < trimBatch && (entries[first + drop]!.at < cutoff || kept() - drop > retention.maxEntries)) drop += 1;
      if (drop) trimmedThrough = Number(entries[first + drop - 1]!.position.slice(2));
      dropOldest(drop);
      return drop;
    },
    async close() {
      for (const subscription of subscriptions) subscription.active = false;
      subscriptions.clear();
    },
  };
}

/** The caller's input as the log keeps it: the payload through JSON (throws when it cannot be stored). */
function copyInput(input: LogEntryInput, dataJson = input.data === undefined ? undefined : JSON.stringify(input.data)): LogEntryInput {
  const stored: LogEntryInput = {
    to: { ...input.to },
    event: input.event,
    data: dataJson === undefined ? undefined : JSON.parse(dataJson),
  };
  if (input.exceptSocketId !== undefined) stored.exceptSocketId = input.exceptSocketId;
  return stored;
}

/** A reader of the stored entries (readRange, a backlog) gets its own copy, as from a store: it cannot change what is kept. */
function copy(entry: LogEntry): LogEntry {
  return { ...entry, to: { ...entry.to }, data: entry.data === undefined ? undefined : structuredClone(entry.data) };
}
