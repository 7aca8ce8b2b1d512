import { checkAppend, checkRead, type RoomHistoryEntry, type RoomHistoryStore } from '../room-history';
import type { SqliteDatabase } from './open-database';

interface Row {
  seq: number;
  event: string;
  data: string;
}

/**
 * Room history in the embedded database (one node; survives a restart). A room's newest entry is
 * never trimmed (`keep` is at least 1), so its largest `seq` is always there to number the next one.
 * `db` comes from `openDatabase` and stays owned by the caller (close it after the stores).
 */
export function createSqliteRoomHistoryStore(db: SqliteDatabase): RoomHistoryStore {
  const last = db.prepare<[string]>('SELECT max(seq) FROM room_history WHERE room = ?').pluck();
  const insert = db.prepare<[string, number, string, string]>('INSERT INTO room_history (room, seq, event, data) VALUES (?, ?, ?, ?)');
  const trim = db.prepare<[string, number]>('DELETE FROM room_history WHERE room = ? AND seq <= ?');
  const page = db.prepare<[string, number, number]>('SELECT seq, event, data FROM room_history WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?');

  // IMMEDIATE: the write lock is held from the read of the last seq, so two connections (two
  // processes on one file) never hand out the same number.
  const append = db.transaction((room: string, event: string, json: string, keep: number): RoomHistoryEntry => {
    const seq = Number(last.get(room) ?? 0) + 1;
    insert.run(room, seq, event, json);
    trim.run(room, seq - keep);
    return { seq, event, data: JSON.parse(json) as unknown };
  });

  return {
    async append(room, entry, keep) {
      const json = checkAppend(entry, keep);
      return append.immediate(room, entry.event, json, keep);
    },
    async read(room, query) {
      checkRead(query);
      const rows = page.all(room, query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1) as Row[];
      const hasMore = rows.length > query.limit;
      const entries = rows
        .slice(0, query.limit)
        .reverse()
        .map((row) => ({ seq: row.seq, event: row.event, data: JSON.parse(row.data) as unknown }));
      return { entries, hasMore };
    },
  };
}
