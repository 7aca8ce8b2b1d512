export { openDatabase, SCHEMA_VERSION, type OpenDatabaseOptions, type SqliteDatabase } from './open-database';
export { createSqliteMembershipStore } from './membership-store';
export { createSqliteRevocationStore } from './revocation-store';
