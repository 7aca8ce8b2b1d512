export type * from './types';
export { REVOCATION_RETENTION_MS } from './types';
export { createMemoryMembershipStore } from './memory/membership-store';
export { createMemoryRateLimitStore } from './memory/rate-limit-store';
export { createMemoryRevocationStore } from './memory/revocation-store';
