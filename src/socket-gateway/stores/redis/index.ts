export type { RedisStoreClient, RedisStoreOptions } from './client';
export { createRedisMembershipStore } from './membership-store';
export { createRedisRevocationStore } from './revocation-store';
export { createRedisPresenceStore } from './presence-store';
export { createRedisRateLimitStore } from './rate-limit-store';
export { createRedisRoomHistoryStore } from './room-history-store';
export { createRedisEventLog, type RedisBlockingClient, type RedisEventLogClient, type RedisEventLogOptions, type RedisOwnedConnection } from './event-log';
export { EventLogResyncError } from '../event-log-subscription';
export { connectRedis, createGatewayRedisClient, redactUrl, type GatewayRedisClient } from './connection';
