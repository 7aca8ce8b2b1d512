import type { JoinResult, MembershipStore } from '../types';
import type { SqliteDatabase } from './open-database';
import { byCodeUnit } from '../sort';

/**
 * Room membership in the embedded database (one node; survives a restart).
 * `db` comes from `openDatabase` and stays owned by the caller (close it after the stores).
 */
export function createSqliteMembershipStore(db: SqliteDatabase): MembershipStore {
  const isMember = db.prepare<[string, string]>('SELECT 1 FROM memberships WHERE user_id = ? AND room = ?').pluck();
  const countOf = db.prepare<[string]>('SELECT count(*) FROM memberships WHERE user_id = ?').pluck();
  const insert = db.prepare<[string, string]>('INSERT INTO memberships (user_id, room) VALUES (?, ?)');
  const remove = db.prepare<[string, string]>('DELETE FROM memberships WHERE user_id = ? AND room = ?');
  const roomsOf = db.prepare<[string]>('SELECT room FROM memberships WHERE user_id = ?').pluck();
  const membersOf = db.prepare<[string]>('SELECT user_id FROM memberships WHERE room = ?').pluck();

  // The check and the insert run in one IMMEDIATE transaction: it holds the database's write lock
  // from the first read, so no other connection (another process on the same file) can add a room
  // between the count and the insert. better-sqlite3 is synchronous, so nothing else in this
  // process runs in between either.
  // @see https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#transactionfunction---function
  const join = db.transaction((userId: string, room: string, maxRooms: number): JoinResult => {
    const count = countOf.get(userId) as number;
    if (isMember.get(userId, room) !== undefined) return { ok: true, added: false, count };
    if (count >= maxRooms) return { ok: false, reason: 'limit', count };
    insert.run(userId, room);
    return { ok: true, added: true, count: count + 1 };
  });
  const leave = db.transaction((userId: string, room: string) => {
    const removed = remove.run(userId, room).changes > 0;
    return { removed, count: countOf.get(userId) as number };
  });

  return {
    async join(userId, room, maxRooms) {
      return join.immediate(userId, room, maxRooms);
    },
    async leave(userId, room) {
      return leave.immediate(userId, room);
    },
    async roomsOf(userId) {
      return (roomsOf.all(userId) as string[]).sort(byCodeUnit);
    },
    async isMember(userId, room) {
      return isMember.get(userId, room) !== undefined;
    },
    async membersOf(room) {
      return (membersOf.all(room) as string[]).sort(byCodeUnit);
    },
  };
}
