/**
 * The event log under every emit path: each event gets a position before it is delivered,
 * so a client that reconnects (to any node, after a drop, a restart or a crash) is replayed
 * what it missed, or told explicitly that it must refetch.
 *
 * Positions are `<ms>-<seq>` strings (a Redis Stream ID; the embedded log uses `0-<rowid>`),
 * compared numerically by `comparePositions`, never as strings (`5-10` > `5-9`). Positions are
 * meaningful only within one `epoch`: a log that is reset (Redis flushed or restarted without
 * persistence, a new database file) gets a new epoch, so a stale position can never replay a
 * different history.
 */

/** Who an event is addressed to. */
export type EventAddress = { kind: 'user'; userId: string } | { kind: 'room'; room: string } | { kind: 'all' };

export interface LogEntryInput {
  to: EventAddress;
  event: string;
  data: unknown;
  /** A socket id that must not receive it ("to others": the tab that caused it). */
  exceptSocketId?: string;
}

export interface LogEntry extends LogEntryInput {
  position: string;
  /** When it was appended (epoch ms). */
  at: number;
}

export interface EventLog {
  /** This log's epoch (created on first use; a new one after the log is reset). */
  epoch(): Promise<string>;
  /**
   * Appends one entry and resolves with it, position included. Rejects when the log cannot be
   * reached: never a silent drop. `dataJson`, when given, must be `JSON.stringify(entry.data)`
   * (the gateway has it from its size check): the log stores it instead of serialising again.
   */
  append(entry: LogEntryInput, dataJson?: string): Promise<LogEntry>;
  /** The newest position, or '0-0' for an empty log. */
  head(): Promise<string>;
  /**
   * The entries after `after` (exclusive) up to `until` (inclusive), oldest first, at most `limit`.
   * Resolves 'gap' when an entry in that range can no longer be read (trimmed by retention, or the
   * log was reset), so the caller can tell the client to refetch instead of leaving a silent hole.
   */
  readRange(after: string, until: string, limit: number): Promise<LogEntry[] | 'gap'>;
  /**
   * Live: calls `onEntries` with every entry appended after `from` by ANY process, in order,
   * each exactly once, never inside `append` itself. The embedded and memory logs call it before the `append` resolves
   * (in a microtask: they take appends in batches); Redis after, when its reader sees the entry.
   */
  subscribe(from: string, onEntries: (entries: LogEntry[]) => void, onError?: (error: Error) => void): { stop(): Promise<void> };
  /** Drops entries past the retention (older than `retentionMs`, beyond `maxEntries`), in bounded work. Resolves with how many it dropped. */
  trim(): Promise<number>;
  /** What the log keeps (trim() enforces it); a reader's in-memory copy keeps no more (replay.ts). */
  readonly retention: EventLogRetention;
  close?(): Promise<void>;
}

export interface EventLogRetention {
  /** Entries younger than this are kept (unless `maxEntries` is reached). Default 2 minutes. */
  retentionMs: number;
  /** At most this many entries are kept, whatever their age (memory bound). */
  maxEntries: number;
}

export const DEFAULT_EVENT_LOG_RETENTION: EventLogRetention = { retentionMs: 120_000, maxEntries: 100_000 };

/** Compares two positions numerically: negative, zero or positive. Throws on a malformed one. */
export function comparePositions(a: string, b: string): number {
  const [am, as] = parsePosition(a);
  const [bm, bs] = parsePosition(b);
  return am === bm ? (as < bs ? -1 : as > bs ? 1 : 0) : am < bm ? -1 : 1;
}

const POSITION = /^(\d{1,20})-(\d{1,20})$/;

export function isPosition(value: unknown): value is string {
  return typeof value === 'string' && POSITION.test(value);
}

function parsePosition(position: string): [bigint, bigint] {
  const match = POSITION.exec(position);
  if (!match) throw new TypeError(`Not a log position: ${JSON.stringify(position)}`);
  return [BigInt(match[1]!), BigInt(match[2]!)];
}
