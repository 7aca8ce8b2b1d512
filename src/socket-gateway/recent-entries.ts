/**
 * The newest log entries this node's reader has delivered, kept in memory so that a reconnecting
 * client is replayed from here instead of from the log's store.
 *
 * Why: every resume used to read (and, on Redis, decode) every entry since the client's position,
 * although only the few addressed to that client are sent. When thousands of clients come back at
 * once (a node died, they all move to the survivors), that is the same stretch of the log read and
 * parsed thousands of times: the reconnect-storm bench measured most of the surviving node's CPU in
 * Redis replies and JSON.parse. The reader has already parsed each of those entries once.
 *
 * The window never answers for more than the log itself keeps: at most the log's `maxEntries`
 * (and `capacity`), and nothing older than its `retentionMs`. A position before the window is read
 * from the log as before, which then says exactly whether it is still there or a gap.
 */
import { comparePositions, type EventLogRetention, type LogEntry } from './stores/event-log';

export interface RecentEntries {
  /** Appends what the reader delivered (in order, every entry after the previous ones). */
  push(entries: readonly LogEntry[]): void;
  /** Forgets everything: the reader goes on from `position`, which need not follow what was kept (a reset, a gap). */
  restart(position: string): void;
  /**
   * The entries after `after` up to `until` (inclusive), at most `limit`, when the window holds
   * every entry of that range; undefined when `after` is older than the window (read the log).
   */
  read(after: string, until: string, limit: number): LogEntry[] | undefined;
}

export const DEFAULT_RECENT_CAPACITY = 20_000;

export function createRecentEntries(
  from: string,
  retention: EventLogRetention,
  capacity = DEFAULT_RECENT_CAPACITY,
  now: () => number = Date.now,
): RecentEntries {
  const max = Math.max(0, Math.min(capacity, retention.maxEntries));
  /** entries[head..] are kept; the prefix before `head` is dropped (the array is compacted now and then, not per drop). */
  let entries: LogEntry[] = [];
  let head = 0;
  /** The window holds every entry after this position (up to the newest delivered). */
  let coveredAfter = from;

  const dropThrough = (index: number) => {
    if (index < head) return;
    coveredAfter = entries[index]!.position;
    head = index + 1;
    if (head > 1_000 && head > entries.length >> 1) {
      entries = entries.slice(head);
      head = 0;
    }
  };
  const enforce = () => {
    if (entries.length - head > max) dropThrough(entries.length - max - 1);
    const cutoff = now() - retention.retentionMs;
    let expired = head;
    while (expired < entries.length && entries[expired]!.at < cutoff) expired += 1;
    if (expired > head) dropThrough(expired - 1);
  };

  return {
    push(batch) {
      for (const entry of batch) entries.push(entry);
      enforce();
    },
    restart(position) {
      entries = [];
      head = 0;
      coveredAfter = position;
    },
    read(after, until, limit) {
      enforce();
      if (comparePositions(after, coveredAfter) < 0) return undefined;
      const newest = entries.length > head ? entries.at(-1)!.position : coveredAfter;
      const first = firstAfter(entries, head, after);
      const last = firstAfter(entries, head, until); // one past the last entry at or before `until`
      const count = Math.min(limit, last - first);
      // The window answers only for a range it holds to the end (the reader has delivered `until`).
      if (count < limit && comparePositions(until, newest) > 0) return undefined;
      return entries.slice(first, first + Math.max(0, count));
    },
  };
}

/** The index of the first entry whose position is after `position` (binary search; positions increase). */
function firstAfter(entries: readonly LogEntry[], from: number, position: string): number {
  let lo = from;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePositions(entries[mid]!.position, position) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
