/**
 * The embedded-database backend (`database: '/path/file.db'`): one node whose memberships,
 * sign-outs, room history and event log live in a SQLite file, so a restart loses nothing.
 * Rate limits and presence stay in memory (they describe this process's connections).
 */
import { createMemoryPresenceStore } from '../stores/memory/presence-store';
import { createMemoryRateLimitStore } from '../stores/memory/rate-limit-store';
import { createSqliteEventLog } from '../stores/sqlite/event-log';
import { createSqliteMembershipStore } from '../stores/sqlite/membership-store';
import { openDatabase } from '../stores/sqlite/open-database';
import { createSqliteRevocationStore } from '../stores/sqlite/revocation-store';
import { createSqliteRoomHistoryStore } from '../stores/sqlite/room-history-store';
import type { Backend, BackendOptions } from './types';

export function createSqliteBackend(path: string, { retention, abandonedHistoryTtlMs }: BackendOptions): Backend {
  const db = openDatabase(path);
  return {
    mode: 'sqlite',
    stores: {
      membership: createSqliteMembershipStore(db, { abandonedHistoryTtlMs }),
      revocations: createSqliteRevocationStore(db),
      rateLimits: createMemoryRateLimitStore(),
      presence: createMemoryPresenceStore(),
      history: createSqliteRoomHistoryStore(db),
    },
    log: createSqliteEventLog(db, retention),
    dependencies: () => ({}),
    async close() {
      db.close();
    },
  };
}
