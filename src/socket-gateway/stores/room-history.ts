/**
 * Room history: the latest messages of each room, bounded per room, kept in the same durable
 * store as the rest of the gateway's state (the embedded database on one node, Redis in a
 * cluster), so a page that opens, reloads or is told to resync can show the conversation.
 *
 * Each room numbers its entries 1, 2, 3… (`seq`), never reusing a number, so a page of older
 * entries is asked for with `before: <the oldest seq on screen>`.
 */

/** One kept message. `data` is the event payload, as JSON gives it back. */
export interface RoomHistoryEntry {
  /** Its place in the room's history: 1, 2, 3… per room, dense, never reused. */
  seq: number;
  event: string;
  data: unknown;
}

export interface RoomHistoryPage {
  /** Oldest first. */
  entries: RoomHistoryEntry[];
  /** Whether the room still keeps entries older than the first one here. */
  hasMore: boolean;
}

export interface RoomHistoryQuery {
  /** Only entries with a smaller `seq` (a page of older messages); none: the newest. */
  before?: number;
  /** At most this many entries (at least 1). */
  limit: number;
}

export interface RoomHistoryStore {
  /**
   * Appends one entry to `room`'s history and drops all but its newest `keep` entries, as one
   * atomic step (concurrent appends from several nodes get distinct, dense `seq`s). Resolves with
   * the stored entry. Rejects when the store cannot be reached.
   */
  append(room: string, entry: { event: string; data: unknown }, keep: number): Promise<RoomHistoryEntry>;
  /** The newest `limit` entries of `room` below `before`, oldest first. An unknown room: no entries. */
  read(room: string, query: RoomHistoryQuery): Promise<RoomHistoryPage>;
  close?(): Promise<void>;
}

/**
 * How long a room's history outlives its last member by default (1 hour): then it is dropped, so
 * rooms opened, filled and left do not keep storage forever (red-team round 3, F6). A join before
 * then keeps it. Applied by the membership stores, which see a room empty and filled again:
 * Redis by a key expiry set when the last member leaves (cleared on join), the embedded database
 * and memory by a sweep on later joins and leaves (and at once on a join of that room).
 */
export const DEFAULT_ABANDONED_HISTORY_TTL_MS = 3_600_000;

export function checkAbandonedHistoryTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 1) throw new RangeError(`abandonedHistoryTtlMs must be a whole number of at least 1, got ${ttlMs}`);
}

/** Checks an append's arguments the same way in every backend; returns the payload as JSON text. */
export function checkAppend(entry: { event: string; data: unknown }, keep: number): string {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`room history: keep must be a whole number of at least 1, got ${keep}`);
  if (typeof entry.event !== 'string' || entry.event.length === 0) throw new TypeError('room history: event must be a non-empty string');
  return JSON.stringify(entry.data ?? null);
}

/** Checks a read's arguments the same way in every backend. */
export function checkRead({ before, limit }: RoomHistoryQuery): void {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`room history: limit must be a whole number of at least 1, got ${limit}`);
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 1)) {
    throw new RangeError(`room history: before must be a whole number of at least 1, got ${before}`);
  }
}
