/**
 * The memory backend: everything in this process (one node; tests, development). A restart
 * loses memberships, sign-outs and the log: use `database` to keep them, `redisUrl` for several nodes.
 */
import { createMemoryEventLog } from '../stores/memory/event-log';
import { createMemoryMembershipStore } from '../stores/memory/membership-store';
import { createMemoryPresenceStore } from '../stores/memory/presence-store';
import { createMemoryRateLimitStore } from '../stores/memory/rate-limit-store';
import { createMemoryRevocationStore } from '../stores/memory/revocation-store';
import { createMemoryRoomHistoryStore } from '../stores/memory/room-history-store';
import type { Backend, BackendOptions } from './types';

export function createMemoryBackend({ retention, abandonedHistoryTtlMs }: BackendOptions): Backend {
  // The membership drops the history of abandoned rooms (both are its own here).
  const history = createMemoryRoomHistoryStore();
  return {
    mode: 'memory',
    stores: {
      membership: createMemoryMembershipStore({ history, abandonedHistoryTtlMs }),
      revocations: createMemoryRevocationStore(),
      rateLimits: createMemoryRateLimitStore(),
      presence: createMemoryPresenceStore(),
      history,
    },
    log: createMemoryEventLog(retention),
    dependencies: () => ({}),
    close: async () => undefined,
  };
}
