export { openDatabase, SCHEMA_VERSION, type OpenDatabaseOptions, type SqliteDatabase } from './open-database';
export { createSqliteMembershipStore } from './membership-store';
export { createSqliteRevocationStore } from './revocation-store';
export { createSqliteRoomHistoryStore } from './room-history-store';
export { createSqliteEventLog, type SqliteEventLogOptions } from './event-log';
export { EventLogResyncError } from '../event-log-subscription';
