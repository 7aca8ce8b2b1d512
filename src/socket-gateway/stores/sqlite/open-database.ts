import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/**
 * Schema steps, applied in order. The database's `user_version` says how many have run, so a step is
 * never edited once shipped: a change is a new step appended here.
 * @see https://www.sqlite.org/pragma.html#pragma_user_version
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE IF NOT EXISTS memberships (
    user_id TEXT NOT NULL,
    room    TEXT NOT NULL,
    PRIMARY KEY (user_id, room)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS memberships_by_room ON memberships (room, user_id);
  CREATE TABLE IF NOT EXISTS revocations (
    user_id    TEXT PRIMARY KEY,
    revoked_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS revocations_by_time ON revocations (revoked_at);
  `,
  // The event log (sqlite/event-log.ts). AUTOINCREMENT: a rowid is never handed out twice, even
  // after the newest rows were trimmed, so a position can never name two different entries.
  // @see https://www.sqlite.org/autoinc.html
  `
  CREATE TABLE IF NOT EXISTS event_log (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    at               INTEGER NOT NULL,
    address          TEXT NOT NULL,
    event            TEXT NOT NULL,
    data             TEXT,
    except_socket_id TEXT
  );
  CREATE TABLE IF NOT EXISTS event_log_meta (
    key   TEXT PRIMARY KEY,
    value NOT NULL -- no declared type: stored exactly as written (text epoch, integer marker)
  ) WITHOUT ROWID;
  `,
  // Room history (sqlite/room-history-store.ts): the newest messages of each room, numbered per room.
  `
  CREATE TABLE IF NOT EXISTS room_history (
    room  TEXT NOT NULL,
    seq   INTEGER NOT NULL,
    event TEXT NOT NULL,
    data  TEXT NOT NULL,
    PRIMARY KEY (room, seq)
  ) WITHOUT ROWID;
  `,
  // The revocation store's global not-before (sqlite/revocation-store.ts): one row, written when
  // the store first finds it missing (a new or replaced database file).
  `
  CREATE TABLE IF NOT EXISTS revocation_meta (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    not_before INTEGER NOT NULL
  );
  `,
  // Rooms whose last member left, and when (sqlite/membership-store.ts drops their history after a TTL).
  `
  CREATE TABLE IF NOT EXISTS abandoned_rooms (
    room  TEXT PRIMARY KEY,
    since INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS abandoned_rooms_by_time ON abandoned_rooms (since);
  `,
];

/** The schema version this code writes (the number of migration steps). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating if needed) the gateway's embedded database and brings its schema up to date.
 * `:memory:` gives a private in-memory database (tests). The caller owns the handle: `db.close()`
 * once the stores built on it are no longer used.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    // WAL: readers never block the writer and a crash mid-write loses nothing committed.
    // @see https://www.sqlite.org/wal.html
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against a process crash in WAL mode (only a power loss can drop the last commits).
    // @see https://www.sqlite.org/pragma.html#pragma_synchronous
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: SqliteDatabase): void {
  // IMMEDIATE takes the write lock first, so two processes opening the same new file do not both
  // run a step (the second one waits, then sees the new user_version and has nothing to do).
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`database schema version ${version} is newer than this code knows (${MIGRATIONS.length}): refusing to open it`);
    }
    for (const step of MIGRATIONS.slice(version)) db.exec(step);
    if (version !== MIGRATIONS.length) db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
