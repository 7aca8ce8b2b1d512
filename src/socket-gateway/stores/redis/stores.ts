/**
 * Every store of the gateway on one Redis client, under one key prefix: what the socket nodes'
 * Redis backend, the emitter and an app's own runtime (e.g. a `next start` instance) all need, so
 * they name the same keys the same way.
 */
import type { GatewayStores } from '../types';
import type { RedisStoreClient } from './client';
import { createRedisMembershipStore } from './membership-store';
import { createRedisPresenceStore } from './presence-store';
import { createRedisRateLimitStore } from './rate-limit-store';
import { createRedisRevocationStore } from './revocation-store';
import { createRedisRoomHistoryStore } from './room-history-store';

export interface RedisStoresOptions {
  /** Must match every other process of the app (the gateway's default is `sg:`). */
  keyPrefix: string;
  /** A room's history is dropped once the room has had no member for this long (the servers' value). */
  abandonedHistoryTtlMs?: number;
}

export function createRedisStores(client: RedisStoreClient, { keyPrefix, abandonedHistoryTtlMs }: RedisStoresOptions): GatewayStores {
  const prefixed = { keyPrefix };
  return {
    membership: createRedisMembershipStore(client, { keyPrefix, abandonedHistoryTtlMs }),
    revocations: createRedisRevocationStore(client, prefixed),
    rateLimits: createRedisRateLimitStore(client, prefixed),
    presence: createRedisPresenceStore(client, prefixed),
    history: createRedisRoomHistoryStore(client, prefixed),
  };
}
