import { REVOCATION_RETENTION_MS, type RevocationStore } from '../types';
import type { SqliteDatabase } from './open-database';

/** How many expired rows one `revoke` deletes at most, so a sign-out never pays for a big backlog. */
const EXPIRE_BATCH = 100;

/**
 * Sign-outs in the embedded database (one node; survives a restart).
 * `db` comes from `openDatabase` and stays owned by the caller (close it after the stores).
 */
export function createSqliteRevocationStore(db: SqliteDatabase): RevocationStore {
  // One statement: the max is taken inside SQLite, so concurrent revokes can never move it back.
  // @see https://www.sqlite.org/lang_upsert.html
  const upsert = db.prepare<[string, number]>(
    `INSERT INTO revocations (user_id, revoked_at) VALUES (?, ?)
     ON CONFLICT (user_id) DO UPDATE SET revoked_at = max(revoked_at, excluded.revoked_at)`,
  );
  // Bounded: at most EXPIRE_BATCH of the oldest rows per call, found through the revoked_at index.
  // Every sign-out removes up to EXPIRE_BATCH, so the table cannot grow faster than it is cleaned.
  const expire = db.prepare<[number, number]>(
    `DELETE FROM revocations WHERE user_id IN (
       SELECT user_id FROM revocations WHERE revoked_at < ? ORDER BY revoked_at LIMIT ?)`,
  );
  const select = db.prepare<[string]>('SELECT revoked_at FROM revocations WHERE user_id = ?').pluck();
  // The global not-before: a database without the row is new, or replaced by an empty one (its
  // sign-outs are gone), so it starts at the moment the store finds that out (attacks-3 F5).
  const seed = db.prepare<[number]>('INSERT OR IGNORE INTO revocation_meta (id, not_before) VALUES (1, ?)');
  const raiseAll = db.prepare<[number]>('UPDATE revocation_meta SET not_before = max(not_before, ?) WHERE id = 1');
  const selectAll = db.prepare('SELECT not_before FROM revocation_meta WHERE id = 1').pluck();
  let lastSeen: number | undefined;
  /** Reads the global not-before, seeding it if the row is missing (then: now, minus 1 ms so a token of this very ms still works). A read only, unless seeding. */
  const everyone = (): number => {
    let at = selectAll.get() as number | undefined;
    if (at === undefined) {
      seed.run(Date.now() - 1);
      at = selectAll.get() as number;
    }
    lastSeen = at;
    return at;
  };
  everyone();
  const userRevokedAt = (userId: string) => {
    const at = select.get(userId) as number | undefined;
    // A row the bounded cleanup has not reached yet is already forgotten.
    return at !== undefined && at >= Date.now() - REVOCATION_RETENTION_MS ? at : undefined;
  };

  return {
    async revoke(userId, atMs) {
      if (!Number.isFinite(atMs)) throw new RangeError(`revoke: atMs must be a finite epoch ms, got ${atMs}`);
      upsert.run(userId, atMs);
      expire.run(Date.now() - REVOCATION_RETENTION_MS, EXPIRE_BATCH);
    },
    async revokedAt(userId) {
      return userRevokedAt(userId);
    },
    async revokeAll(atMs) {
      if (!Number.isFinite(atMs)) throw new RangeError(`revokeAll: atMs must be a finite epoch ms, got ${atMs}`);
      everyone();
      raiseAll.run(atMs);
      everyone();
    },
    async notBefore(userId) {
      return Math.max(userRevokedAt(userId) ?? -Infinity, everyone());
    },
    async check() {
      everyone();
    },
    credentialsResetAt: () => lastSeen,
  };
}
