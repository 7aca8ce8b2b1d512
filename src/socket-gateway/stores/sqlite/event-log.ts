import { randomUUID } from 'node:crypto';
import { DEFAULT_EVENT_LOG_RETENTION, isPosition, type EventAddress, type EventLog, type EventLogRetention, type LogEntry } from '../event-log';
import { EventLogResyncError, guardedSubscriber } from '../event-log-subscription';
import { createGroupCommit } from '../group-commit';
import type { SqliteDatabase } from './open-database';

export interface SqliteEventLogOptions {
  /** At most this many rows are deleted by one `trim()` call, so no call pays for a big backlog. */
  trimBatch?: number;
}

/** Rows per backlog page handed to a new subscriber (one `onEntries` call each). */
const BACKLOG_PAGE = 1_000;
const DEFAULT_TRIM_BATCH = 10_000;

interface Row {
  id: number;
  at: number;
  address: string;
  event: string;
  data: string | null;
  except_socket_id: string | null;
}

interface PendingAppend {
  at: number;
  address: string;
  event: string;
  data: string | null;
  exceptSocketId: string | null;
}

interface Subscription {
  deliver(entries: LogEntry[]): void;
  active: boolean;
}

/**
 * The event log in the embedded database (one node; survives a restart). Positions are
 * `0-<rowid>`: rowids come from AUTOINCREMENT, so they only grow and are never reused, and rows
 * are only ever removed as a prefix (by `trim`), so the ids between the oldest and the newest row
 * are all present. The epoch is a random id written into the file on first use: a new file is a
 * new epoch, a reopened file keeps its epoch, entries and trimmed-through marker.
 *
 * Appends are batched: the appends made in one synchronous run (a loop of emits, one tick) are
 * inserted by ONE transaction in a microtask right after it, then handed to the subscribers (one
 * `onEntries` call) before any of those appends resolves. One commit per batch instead of one per
 * entry: the commit (WAL frame write, locks) was most of an append's cost, and AUTOINCREMENT
 * rewrites its `sqlite_sequence` row on every commit. A lone append waits only for the microtask.
 * @see https://www.sqlite.org/faq.html#q19
 *
 * `maxEntries` holds at every commit: the batch that appends also deletes the rows it pushes past the
 * bound (a burst used to outrun the timed `trim()`, 10,000 rows per 5 s: 956,950 rows against a
 * 100,000 bound). `trim()` still applies the age window, and the count for another writer's rows.
 *
 * `subscribe` sees the appends made through THIS object only, in that microtask, before `append`
 * resolves: in single-node mode this process is the only writer. (A second process appending to the same
 * file is not seen live; its entries are still read by `readRange` and by a later subscriber's backlog.)
 *
 * `db` comes from `openDatabase` and stays owned by the caller (close it after the log); `close()`
 * only ends the subscriptions.
 */
export function createSqliteEventLog(
  db: SqliteDatabase,
  retention: EventLogRetention = DEFAULT_EVENT_LOG_RETENTION,
  { trimBatch = DEFAULT_TRIM_BATCH }: SqliteEventLogOptions = {},
): EventLog {
  if (!(retention.maxEntries >= 1)) throw new RangeError(`event log: maxEntries must be at least 1, got ${retention.maxEntries}`);
  if (!(trimBatch >= 1)) throw new RangeError(`event log: trimBatch must be at least 1, got ${trimBatch}`);

  const readMeta = db.prepare<[string]>('SELECT value FROM event_log_meta WHERE key = ?').pluck();
  const writeMeta = db.prepare<[string, string | number]>(
    'INSERT INTO event_log_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const insertMetaOnce = db.prepare<[string, string]>('INSERT INTO event_log_meta (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING');
  // The newest rowid ever handed out (kept by SQLite for AUTOINCREMENT, also once every row is trimmed).
  const lastId = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'event_log'").pluck();
  const bounds = db.prepare('SELECT min(id) AS first, max(id) AS last FROM event_log');
  const insert = db.prepare<[number, string, string, string | null, string | null]>(
    'INSERT INTO event_log (at, address, event, data, except_socket_id) VALUES (?, ?, ?, ?, ?)',
  );
  const range = db.prepare<[number, number, number]>(
    'SELECT id, at, address, event, data, except_socket_id FROM event_log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?',
  );
  const firstYoung = db.prepare<[number, number, number]>('SELECT id FROM event_log WHERE id > ? AND id <= ? AND at >= ? ORDER BY id LIMIT 1').pluck();
  const deleteThrough = db.prepare<[number]>('DELETE FROM event_log WHERE id <= ?');

  // The epoch: written once per file. IMMEDIATE, so two processes opening a new file agree on one.
  const epoch = db
    .transaction(() => {
      insertMetaOnce.run('epoch', randomUUID());
      return String(readMeta.get('epoch'));
    })
    .immediate();

  const head = () => Number(lastId.get() ?? 0);
  const trimmedThrough = () => Number(readMeta.get('trimmed_through') ?? 0);
  const subscriptions = new Set<Subscription>();

  /** The rowid a position names, or undefined when it cannot be one of this log's (`<ms>` not 0, too big). */
  const seqOf = (position: string): number | undefined => {
    if (!isPosition(position)) throw new TypeError(`Not a log position: ${JSON.stringify(position)}`);
    const [ms, seq] = position.split('-').map(BigInt) as [bigint, bigint];
    return ms === 0n && seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : undefined;
  };

  // One read transaction: a consistent snapshot even while another connection trims.
  const read = db.transaction((after: string, until: string, limit: number): LogEntry[] | 'gap' => {
    const afterSeq = seqOf(after);
    const untilSeq = seqOf(until) ?? Number.MAX_SAFE_INTEGER; // a foreign bound only bounds
    if (afterSeq === undefined || afterSeq < trimmedThrough() || afterSeq > head()) return 'gap';
    if (!(limit >= 1)) return [];
    return (range.all(afterSeq, untilSeq, Math.floor(limit)) as Row[]).map(toEntry);
  });

  const trim = db.transaction((now: number): number => {
    const { first, last } = bounds.get() as { first: number | null; last: number | null };
    if (first === null || last === null) return 0;
    // Rows leave only as a prefix, so the ids first..last are all present: the count is their span.
    const byCount = Math.max(0, last - first + 1 - retention.maxEntries);
    const cap = Math.min(last, first + trimBatch - 1);
    let through = Math.min(cap, first + byCount - 1);
    if (through < cap) {
      // Past the count, keep dropping while rows are older than the window (stop at the first young one).
      const young = firstYoung.get(through, cap, now - retention.retentionMs) as number | undefined;
      through = young === undefined ? cap : young - 1;
    }
    if (through < first) return 0;
    const dropped = deleteThrough.run(through).changes;
    writeMeta.run('trimmed_through', through);
    return dropped;
  });

  const insertAll = db.transaction((batch: PendingAppend[]): LogEntry[] => {
    const entries = batch.map((p) => {
      const id = Number(insert.run(p.at, p.address, p.event, p.data, p.exceptSocketId).lastInsertRowid);
      // What every reader gets back (a copy through JSON, as readRange would return it).
      return toEntry({ id, at: p.at, address: p.address, event: p.event, data: p.data, except_socket_id: p.exceptSocketId });
    });
    // The count bound, in the same transaction as the rows that pass it (as XADD MAXLEN does in
    // Redis): no reader ever sees more than maxEntries rows, however fast the appends come. The
    // ids first..head are all present, so everything at or below head - maxEntries is the excess.
    // trim() on its timer then only has the age window left to apply.
    const through = head() - retention.maxEntries;
    if (through > 0 && deleteThrough.run(through).changes > 0) writeMeta.run('trimmed_through', through);
    return entries;
  });
  // Group commit (../group-commit.ts; see the batching note above): one transaction per synchronous
  // run of appends, handed to the subscribers before any of its appends resolves. A failed
  // transaction stored nothing of the batch (it rolled back): every append in it rejects.
  const commit = createGroupCommit<PendingAppend, LogEntry>({
    write(batch) {
      const entries = insertAll.immediate(batch);
      for (const subscription of [...subscriptions]) if (subscription.active) subscription.deliver(entries);
      return entries;
    },
  });

  return {
    retention,
    async epoch() {
      return epoch;
    },
    async append(input, dataJson) {
      // Serialized now: the entry is what the caller passed at the call, whatever it changes later.
      const address = JSON.stringify(input.to);
      const data = input.data === undefined ? null : (dataJson ?? JSON.stringify(input.data));
      return commit({ at: Date.now(), address, event: input.event, data, exceptSocketId: input.exceptSocketId ?? null });
    },
    async head() {
      return `0-${head()}`;
    },
    async readRange(after, until, limit) {
      return read.deferred(after, until, limit);
    },
    subscribe(from, onEntries, onError) {
      const requested = seqOf(from);
      const subscription: Subscription = { active: true, deliver: guardedSubscriber(onEntries, onError) };
      // Synchronous from here on: no append can slip in between the backlog and going live.
      const newest = head();
      const trimmed = trimmedThrough();
      let after: number;
      if (requested === undefined || requested > newest || requested < trimmed) {
        // Never part of this log (forged, another epoch), or entries after it were trimmed: say so,
        // then go on with what is there (from the head, or from the oldest entry left).
        after = requested === undefined || requested > newest ? newest : trimmed;
        onError?.(new EventLogResyncError('gap', epoch, `0-${after}`));
      } else {
        after = requested;
      }
      for (;;) {
        const rows = range.all(after, Number.MAX_SAFE_INTEGER, BACKLOG_PAGE) as Row[];
        if (rows.length === 0) break;
        after = rows.at(-1)!.id;
        subscription.deliver(rows.map(toEntry));
      }
      subscriptions.add(subscription);
      return {
        async stop() {
          subscription.active = false;
          subscriptions.delete(subscription);
        },
      };
    },
    async trim() {
      return trim.immediate(Date.now());
    },
    async close() {
      for (const subscription of subscriptions) subscription.active = false;
      subscriptions.clear();
    },
  };
}

function toEntry(row: Row): LogEntry {
  const entry: LogEntry = {
    position: `0-${row.id}`,
    at: row.at,
    to: JSON.parse(row.address) as EventAddress,
    event: row.event,
    data: row.data === null ? undefined : (JSON.parse(row.data) as unknown),
  };
  if (row.except_socket_id !== null) entry.exceptSocketId = row.except_socket_id;
  return entry;
}
