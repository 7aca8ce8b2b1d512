import type { JoinResult, MembershipStore } from '../types';
import type { SqliteDatabase } from './open-database';
import { checkAbandonedHistoryTtl, DEFAULT_ABANDONED_HISTORY_TTL_MS } from '../room-history';
import { byCodeUnit } from '../sort';

export interface SqliteMembershipStoreOptions {
  /** A room's history (room_history, same file) is dropped once the room has had no member this long. */
  abandonedHistoryTtlMs?: number;
  now?: () => number;
}

/** Abandoned rooms one join or leave sweeps at most (bounded work per call; more than one call can abandon). */
const SWEEP_BATCH = 10;

/**
 * Room membership in the embedded database (one node; survives a restart).
 * `db` comes from `openDatabase` and stays owned by the caller (close it after the stores).
 *
 * When a room's last member leaves, it is noted in `abandoned_rooms`; a join takes it out again.
 * Every join and leave sweeps (in its own transaction) the history of a few rooms abandoned for
 * longer than `abandonedHistoryTtlMs`, oldest first, and a join of such a room drops its history
 * first: a room opened, filled and left does not keep its history forever (red-team round 3, F6).
 */
export function createSqliteMembershipStore(
  db: SqliteDatabase,
  { abandonedHistoryTtlMs = DEFAULT_ABANDONED_HISTORY_TTL_MS, now = Date.now }: SqliteMembershipStoreOptions = {},
): MembershipStore {
  checkAbandonedHistoryTtl(abandonedHistoryTtlMs);
  const isMember = db.prepare<[string, string]>('SELECT 1 FROM memberships WHERE user_id = ? AND room = ?').pluck();
  const countOf = db.prepare<[string]>('SELECT count(*) FROM memberships WHERE user_id = ?').pluck();
  const insert = db.prepare<[string, string]>('INSERT INTO memberships (user_id, room) VALUES (?, ?)');
  const remove = db.prepare<[string, string]>('DELETE FROM memberships WHERE user_id = ? AND room = ?');
  const roomsOf = db.prepare<[string]>('SELECT room FROM memberships WHERE user_id = ?').pluck();
  const membersOf = db.prepare<[string]>('SELECT user_id FROM memberships WHERE room = ?').pluck();
  const countMembers = db.prepare<[string]>('SELECT count(*) FROM memberships WHERE room = ?').pluck();
  const hasMembers = db.prepare<[string]>('SELECT 1 FROM memberships WHERE room = ? LIMIT 1').pluck();
  const abandon = db.prepare<[string, number]>('INSERT OR REPLACE INTO abandoned_rooms (room, since) VALUES (?, ?)');
  const abandonedSince = db.prepare<[string]>('SELECT since FROM abandoned_rooms WHERE room = ?').pluck();
  const unabandon = db.prepare<[string]>('DELETE FROM abandoned_rooms WHERE room = ?');
  const expired = db.prepare<[number, number]>('SELECT room FROM abandoned_rooms WHERE since < ? ORDER BY since LIMIT ?').pluck();
  const dropHistory = db.prepare<[string]>('DELETE FROM room_history WHERE room = ?');

  const sweep = (cutoff: number) => {
    for (const room of expired.all(cutoff, SWEEP_BATCH) as string[]) {
      dropHistory.run(room);
      unabandon.run(room);
    }
  };

  // The check and the insert run in one IMMEDIATE transaction: it holds the database's write lock
  // from the first read, so no other connection (another process on the same file) can add a room
  // between the count and the insert. better-sqlite3 is synchronous, so nothing else in this
  // process runs in between either.
  // @see https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#transactionfunction---function
  const join = db.transaction((userId: string, room: string, maxRooms: number): JoinResult => {
    const count = countOf.get(userId) as number;
    if (isMember.get(userId, room) !== undefined) return { ok: true, added: false, count };
    if (count >= maxRooms) return { ok: false, reason: 'limit', count };
    const cutoff = now() - abandonedHistoryTtlMs;
    const since = abandonedSince.get(room) as number | undefined;
    if (since !== undefined) {
      if (since < cutoff) dropHistory.run(room); // abandoned too long: a new room, whatever was said there before
      unabandon.run(room);
    }
    sweep(cutoff);
    insert.run(userId, room);
    return { ok: true, added: true, count: count + 1 };
  });
  const leave = db.transaction((userId: string, room: string) => {
    const removed = remove.run(userId, room).changes > 0;
    if (removed && hasMembers.get(room) === undefined) abandon.run(room, now());
    sweep(now() - abandonedHistoryTtlMs);
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
    async countMembers(room) {
      return countMembers.get(room) as number;
    },
  };
}
