import {
  DEFAULT_FORGET_AFTER_MS,
  DEFAULT_HEARTBEAT_TTL_MS,
  DEFAULT_SWEEP_MAX_FIELDS,
  type PresenceOptions,
  type PresenceStore,
  type SettledPresence,
} from '../presence';

/** Presence in this process's memory (tests; one process stands in for every node). */
export function createMemoryPresenceStore(options: PresenceOptions = {}): PresenceStore {
  const ttl = options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS;
  const forgetAfter = options.forgetAfterMs ?? DEFAULT_FORGET_AFTER_MS;
  /** nodeId → when its lease runs out (epoch ms). */
  const leases = new Map<string, number>();
  /**
   * nodeId → userId → sockets (its keys: the users a sweep walks). Per node, not per user: a
   * user costs one entry in its node's map, not a map of its own (heap per connection,
   * docs/benchmarks.md); a count reads every node's map, and nodes are few.
   */
  const byNode = new Map<string, Map<string, number>>();
  /** userId → when its presence is to be settled (epoch ms). */
  const due = new Map<string, number>();
  /** Users last announced online (everyone else counts as announced offline). */
  const announced = new Set<string>();

  const live = (nodeId: string, now: number) => (leases.get(nodeId) ?? 0) > now;
  const liveCount = (userId: string, now: number) => {
    let total = 0;
    for (const [nodeId, users] of byNode) if (live(nodeId, now)) total += users.get(userId) ?? 0;
    return total;
  };
  const renew = (nodeId: string, now: number) => leases.set(nodeId, Math.max(leases.get(nodeId) ?? 0, now + ttl));
  const usersOn = (nodeId: string) => {
    let users = byNode.get(nodeId);
    if (!users) byNode.set(nodeId, (users = new Map()));
    return users;
  };
  const removeField = (userId: string, nodeId: string) => byNode.get(nodeId)?.delete(userId);

  return {
    async connected(userId, nodeId, maxConnections) {
      const now = Date.now();
      renew(nodeId, now);
      const count = liveCount(userId, now);
      if (maxConnections !== undefined && count >= maxConnections) return { ok: false, reason: 'limit', count };
      const users = usersOn(nodeId);
      users.set(userId, (users.get(userId) ?? 0) + 1);
      return { ok: true, count: count + 1 };
    },
    async disconnected(userId, nodeId) {
      const now = Date.now();
      renew(nodeId, now);
      const users = byNode.get(nodeId);
      const left = (users?.get(userId) ?? 0) - 1;
      if (left > 0) users?.set(userId, left);
      else removeField(userId, nodeId);
      return liveCount(userId, now);
    },
    async isOnline(userIds) {
      const now = Date.now();
      return userIds.map((userId) => liveCount(userId, now) > 0);
    },
    async heartbeat(nodeId) {
      leases.set(nodeId, Date.now() + ttl);
    },
    async nodeDown(nodeId) {
      leases.set(nodeId, 0);
    },
    async restoreNode(nodeId, given) {
      renew(nodeId, Date.now());
      for (const userId of [...(byNode.get(nodeId)?.keys() ?? [])]) if (!((given.get(userId) ?? 0) > 0)) removeField(userId, nodeId);
      for (const [userId, n] of given) if (n > 0) usersOn(nodeId).set(userId, n);
    },
    async takeExpiredNode(exceptNodeId) {
      const now = Date.now();
      for (const [nodeId, lease] of leases) {
        if (nodeId === exceptNodeId || lease <= 0 || lease > now) continue;
        leases.set(nodeId, 0);
        return { nodeId, userIds: [...(byNode.get(nodeId)?.keys() ?? [])] };
      }
      return undefined;
    },
    async sweep(maxFields = DEFAULT_SWEEP_MAX_FIELDS) {
      const cutoff = Date.now() - forgetAfter;
      let removed = 0;
      for (const [nodeId, expires] of leases) {
        if (expires >= cutoff) continue;
        for (const userId of byNode.get(nodeId)?.keys() ?? []) {
          if (removed >= maxFields) return removed;
          removeField(userId, nodeId);
          removed++;
        }
        byNode.delete(nodeId);
        leases.delete(nodeId);
      }
      return removed;
    },
    async schedule(userIds, afterMs) {
      const at = Date.now() + afterMs;
      for (const userId of userIds) due.set(userId, Math.max(due.get(userId) ?? 0, at));
    },
    async settleDue(max) {
      const now = Date.now();
      const changed: SettledPresence[] = [];
      let taken = 0;
      for (const [userId, at] of due) {
        if (taken >= max) break;
        if (at > now) continue;
        due.delete(userId);
        taken += 1;
        const online = liveCount(userId, now) > 0;
        if (online === announced.has(userId)) continue;
        if (online) announced.add(userId);
        else announced.delete(userId);
        changed.push({ userId, online });
      }
      return changed;
    },
  };
}
