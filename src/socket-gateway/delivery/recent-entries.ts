/**
 * The newest log entries this node's reader has delivered, kept in memory and indexed by address,
 * so that a reconnecting client is replayed from here instead of from the log's store.
 *
 * Why: every resume used to read (and, on Redis, decode) every entry since the client's position,
 * and then look at each to find the few addressed to that client. When thousands of clients come
 * back at once (a node died, they all move to the survivors), that is the same stretch of the log
 * read, parsed and scanned thousands of times: the reconnect-storm bench measured most of the
 * surviving node's CPU in Redis replies, JSON.parse and that scan. The reader has parsed each
 * entry once already; the index hands a client only the entries addressed to it (everyone, the
 * user, the user's rooms).
 *
 * The window never answers for more than the log itself keeps: at most the log's `maxEntries`
 * (and `capacity`), and nothing older than its `retentionMs`. It also holds at most `maxBytes` of
 * payload JSON (UTF-8, the measure of event-bounds.ts): by count alone, 20,000 large events held
 * about 2 GB per node (red-team round 3, F7). An entry dropped for bytes is still in the log. A position before the window is read
 * from the log as before, which then says exactly whether it is still there or a gap.
 */
import { payloadBytes } from './event-bounds';
import { comparePositions, type EventAddress, type EventLogRetention, type LogEntry } from '../stores/event-log';
import { RELEASED_ENTRY } from '../stores/released-entry';

export interface RecentEntries {
  /** Appends what the reader delivered (in order, every entry after the previous ones). */
  push(entries: readonly LogEntry[]): void;
  /** Forgets everything: the reader goes on from `position`, which need not follow what was kept (a reset, a gap). */
  restart(position: string): void;
  /**
   * Every entry after `after` up to `until` (inclusive) addressed to one of `addresses`, oldest
   * first, when the window holds that whole range; undefined when it does not (`after` is older than
   * the window, or `until` newer than what the reader delivered): read the log then.
   */
  readAddressed(after: string, until: string, addresses: readonly EventAddress[]): LogEntry[] | undefined;
  /** How many entries it holds, and their payload bytes (metrics, tests). */
  held(): { entries: number; bytes: number };
}

export const DEFAULT_RECENT_CAPACITY = 20_000;
/** Default bound on the payload bytes the window holds (32 MiB of JSON). */
export const DEFAULT_RECENT_MAX_BYTES = 32 * 1024 * 1024;

/** The index key of an address. */
export function addressKey(to: EventAddress): string {
  return to.kind === 'all' ? 'all' : to.kind === 'user' ? `u:${to.userId}` : `r:${to.room}`;
}

export function createRecentEntries(
  from: string,
  retention: EventLogRetention,
  capacity = DEFAULT_RECENT_CAPACITY,
  now: () => number = Date.now,
  maxBytes: number = DEFAULT_RECENT_MAX_BYTES,
): RecentEntries {
  const max = Math.max(0, Math.min(capacity, retention.maxEntries));
  if (!(maxBytes >= 0)) throw new RangeError(`replay window: maxBytes must be at least 0, got ${maxBytes}`);
  /**
   * entries[head..] are kept. Entries are numbered in push order: entry n is entries[n - base]. The
   * dropped prefix is cut off (and the index rebuilt) now and then, not on every drop.
   */
  let entries: LogEntry[] = [];
  /** sizes[i]: payloadBytes of entries[i]; `bytes` is their sum over the kept ones (entries[head..]). */
  let sizes: number[] = [];
  let bytes = 0;
  let head = 0;
  let base = 0;
  /** Per address key, the numbers of its entries, ascending (may still name dropped ones until the next compaction). */
  let byAddress = new Map<string, number[]>();
  /** The window holds every entry after this position (up to the newest delivered). */
  let coveredAfter = from;

  const compact = () => {
    entries = entries.slice(head);
    sizes = sizes.slice(head);
    base += head;
    head = 0;
    const kept = new Map<string, number[]>();
    for (const [key, numbers] of byAddress) {
      const first = lowerBound(numbers, base);
      if (first < numbers.length) kept.set(key, numbers.slice(first));
    }
    byAddress = kept;
  };
  const dropThrough = (index: number) => {
    if (index < head) return;
    coveredAfter = entries[index]!.position;
    for (let i = head; i <= index; i++) {
      bytes -= sizes[i]!;
      entries[i] = RELEASED_ENTRY; // its payload is garbage now, not at the next compaction (up to 1,000 entries later)
    }
    head = index + 1;
    if (head > 1_000 && head > entries.length >> 1) compact();
  };
  const enforce = () => {
    if (entries.length - head > max) dropThrough(entries.length - max - 1);
    if (bytes > maxBytes) {
      let through = head;
      for (let excess = bytes - maxBytes - sizes[head]!; excess > 0; excess -= sizes[through]!) through += 1;
      dropThrough(through);
    }
    const cutoff = now() - retention.retentionMs;
    let expired = head;
    while (expired < entries.length && entries[expired]!.at < cutoff) expired += 1;
    if (expired > head) dropThrough(expired - 1);
  };

  return {
    push(batch) {
      for (const entry of batch) {
        const key = addressKey(entry.to);
        let numbers = byAddress.get(key);
        if (!numbers) byAddress.set(key, (numbers = []));
        numbers.push(base + entries.length);
        entries.push(entry);
        const size = payloadBytes(entry.data);
        sizes.push(size);
        bytes += size;
      }
      enforce();
    },
    restart(position) {
      entries = [];
      sizes = [];
      bytes = 0;
      head = 0;
      base = 0;
      byAddress = new Map();
      coveredAfter = position;
    },
    held() {
      return { entries: entries.length - head, bytes };
    },
    readAddressed(after, until, addresses) {
      enforce();
      if (comparePositions(after, coveredAfter) < 0) return undefined;
      const newest = entries.length > head ? entries.at(-1)!.position : coveredAfter;
      if (comparePositions(until, newest) > 0) return undefined;
      const first = base + firstAfter(entries, head, after);
      const end = base + firstAfter(entries, head, until);
      const numbers: number[] = [];
      for (const key of new Set(addresses.map(addressKey))) {
        const list = byAddress.get(key);
        if (!list) continue;
        for (let i = lowerBound(list, first); i < list.length && list[i]! < end; i++) numbers.push(list[i]!);
      }
      numbers.sort((a, b) => a - b);
      return numbers.map((n) => entries[n - base]!);
    },
  };
}

/** The index of the first entry from `from` on whose position is after `position` (binary search; positions increase). */
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

/** The index of the first number ≥ `value` in an ascending list. */
function lowerBound(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
