export type { RedisStoreClient, RedisStoreOptions } from './client';
export { createRedisMembershipStore } from './membership-store';
export { createRedisRevocationStore } from './revocation-store';
export { createRedisPresenceStore } from './presence-store';
export { createRedisRateLimitStore } from './rate-limit-store';
