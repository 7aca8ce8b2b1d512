export type * from './types';
export { REVOCATION_RETENTION_MS } from './types';
export { createMemoryMembershipStore } from './memory/membership-store';
export { createMemoryRateLimitStore } from './memory/rate-limit-store';
export { createMemoryRevocationStore } from './memory/revocation-store';
export * from './event-log';
export { createMemoryEventLog } from './memory/event-log';
export type * from './presence';
export { createMemoryPresenceStore } from './memory/presence-store';
