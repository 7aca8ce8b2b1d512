import {
  DEFAULT_FORGET_AFTER_MS,
  DEFAULT_HEARTBEAT_TTL_MS,
  DEFAULT_SWEEP_MAX_FIELDS,
  type ConnectResult,
  type PresenceOptions,
  type PresenceStore,
  type SettledPresence,
} from '../presence';
import { asInteger, asStrings, type RedisStoreClient, type RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { PRESENCE_CONNECTED_LUA } from './lua/presence-connected';
import { PRESENCE_DISCONNECTED_LUA } from './lua/presence-disconnected';
import { PRESENCE_IS_ONLINE_LUA } from './lua/presence-is-online';
import { PRESENCE_LEASE_LUA } from './lua/presence-lease';
import { PRESENCE_FIND_DEAD_LUA } from './lua/presence-find-dead';
import { PRESENCE_FIND_EXPIRED_LUA } from './lua/presence-find-expired';
import { PRESENCE_CLAIM_EXPIRED_LUA } from './lua/presence-claim-expired';
import { PRESENCE_RESTORE_LUA } from './lua/presence-restore';
import { PRESENCE_PICK_USERS_LUA } from './lua/presence-pick-users';
import { PRESENCE_FORGET_LUA } from './lua/presence-forget';
import { PRESENCE_SCHEDULE_LUA } from './lua/presence-schedule';
import { PRESENCE_DUE_LUA } from './lua/presence-due';
import { PRESENCE_SETTLE_LUA } from './lua/presence-settle';

/*
 * Keys (every script declares each key it touches; on Redis Cluster the keyPrefix must be a hash tag):
 *   ${p}nodes                 ZSET nodeId → lease end (epoch ms, Redis's clock)
 *   ${p}presence:${userId}    HASH nodeId → sockets of the user on that node
 *   ${p}node-users:${nodeId}  SET  users with a count on that node (what a sweep walks)
 *   ${p}unsettled             ZSET userId → when its presence is to be settled (epoch ms, Redis's clock)
 *   ${p}announced             SET  users last announced online (the others count as announced offline)
 * One sorted set of leases, rather than one TTL key per node, so that a script can judge every
 * node it meets in a user's hash through a key it declared. Redis's own clock (TIME) is the only
 * clock: the nodes' clocks may disagree.
 * @see https://redis.io/docs/latest/develop/interact/programmability/eval-intro/#script-parameterization
 */

// The scripts' text, with what each takes and replies: ./lua/ (one file each).
export const CONNECTED_SCRIPT = defineLuaScript(PRESENCE_CONNECTED_LUA);
export const DISCONNECTED_SCRIPT = defineLuaScript(PRESENCE_DISCONNECTED_LUA);
export const IS_ONLINE_SCRIPT = defineLuaScript(PRESENCE_IS_ONLINE_LUA);
export const LEASE_SCRIPT = defineLuaScript(PRESENCE_LEASE_LUA);
export const FIND_DEAD_SCRIPT = defineLuaScript(PRESENCE_FIND_DEAD_LUA);
export const FIND_EXPIRED_SCRIPT = defineLuaScript(PRESENCE_FIND_EXPIRED_LUA);
export const CLAIM_EXPIRED_SCRIPT = defineLuaScript(PRESENCE_CLAIM_EXPIRED_LUA);
export const RESTORE_SCRIPT = defineLuaScript(PRESENCE_RESTORE_LUA);
export const PICK_USERS_SCRIPT = defineLuaScript(PRESENCE_PICK_USERS_LUA);
export const FORGET_SCRIPT = defineLuaScript(PRESENCE_FORGET_LUA);
export const SCHEDULE_SCRIPT = defineLuaScript(PRESENCE_SCHEDULE_LUA);
export const DUE_SCRIPT = defineLuaScript(PRESENCE_DUE_LUA);
export const SETTLE_SCRIPT = defineLuaScript(PRESENCE_SETTLE_LUA);

/** How many users one isOnline or sweep script call handles (bounds each script's run time). */
const BATCH = 200;

/**
 * Presence and per-user connection slots in Redis, shared by every node.
 * `client` must be connected; the store does not own it (quit it after the stores).
 */
export function createRedisPresenceStore(
  client: RedisStoreClient,
  { keyPrefix, heartbeatTtlMs = DEFAULT_HEARTBEAT_TTL_MS, forgetAfterMs = DEFAULT_FORGET_AFTER_MS }: RedisStoreOptions & PresenceOptions,
): PresenceStore {
  const nodes = `${keyPrefix}nodes`;
  const presenceKey = (userId: string) => `${keyPrefix}presence:${userId}`;
  const nodeUsersKey = (nodeId: string) => `${keyPrefix}node-users:${nodeId}`;
  const unsettled = `${keyPrefix}unsettled`;
  const announced = `${keyPrefix}announced`;
  const ttl = String(heartbeatTtlMs);

  return {
    async connected(userId, nodeId, maxConnections): Promise<ConnectResult> {
      if (Number.isNaN(maxConnections)) throw new RangeError('connected: maxConnections must be a number, got NaN');
      // -1 means no cap; Lua cannot parse 'Infinity', so clamp to what means the same.
      const max = maxConnections === undefined ? '-1' : String(Math.max(0, Math.min(maxConnections, Number.MAX_SAFE_INTEGER)));
      const reply = await CONNECTED_SCRIPT.run(client, [nodes, presenceKey(userId), nodeUsersKey(nodeId)], [nodeId, userId, max, ttl]);
      const [ok, count] = Array.isArray(reply) ? reply : [];
      const n = asInteger(count, 'connected');
      return asInteger(ok, 'connected') === 1 ? { ok: true, count: n } : { ok: false, reason: 'limit', count: n };
    },
    async disconnected(userId, nodeId) {
      const reply = await DISCONNECTED_SCRIPT.run(client, [nodes, presenceKey(userId), nodeUsersKey(nodeId)], [nodeId, userId, ttl]);
      return asInteger(reply, 'disconnected');
    },
    async isOnline(userIds) {
      const online: boolean[] = [];
      for (let i = 0; i < userIds.length; i += BATCH) {
        const batch = userIds.slice(i, i + BATCH);
        const reply = await IS_ONLINE_SCRIPT.run(client, [nodes, ...batch.map(presenceKey)], []);
        if (!Array.isArray(reply) || reply.length !== batch.length) {
          throw new TypeError(`isOnline: expected ${batch.length} answers from Redis, got ${JSON.stringify(reply)}`);
        }
        for (const flag of reply) online.push(asInteger(flag, 'isOnline') === 1);
      }
      return online;
    },
    async heartbeat(nodeId) {
      await LEASE_SCRIPT.run(client, [nodes], [nodeId, ttl]);
    },
    async nodeDown(nodeId) {
      await LEASE_SCRIPT.run(client, [nodes], [nodeId, 'down']);
    },
    async restoreNode(nodeId, counts) {
      // Users the store still lists on this node but the node no longer holds: their fields go.
      const listed = asStrings(await client.sMembers(nodeUsersKey(nodeId)), 'restoreNode');
      const entries: Array<[string, number]> = [...counts].map(([userId, n]) => [userId, n > 0 ? Math.floor(n) : 0]);
      for (const userId of listed) if (!counts.has(userId)) entries.push([userId, 0]);
      // At least one call, so that the lease is renewed even with nothing to set.
      for (let i = 0; i === 0 || i < entries.length; i += BATCH) {
        const batch = entries.slice(i, i + BATCH);
        await RESTORE_SCRIPT.run(
          client,
          [nodes, nodeUsersKey(nodeId), ...batch.map(([userId]) => presenceKey(userId))],
          [nodeId, ttl, ...batch.flatMap(([userId, n]) => [userId, String(n)])],
        );
      }
    },
    async takeExpiredNode(exceptNodeId) {
      // Bounded: another node may claim the one found first (then look once more).
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const nodeId = await FIND_EXPIRED_SCRIPT.run(client, [nodes], [exceptNodeId]);
        if (typeof nodeId !== 'string') return undefined;
        const users = await CLAIM_EXPIRED_SCRIPT.run(client, [nodes, nodeUsersKey(nodeId)], [nodeId]);
        if (users !== null && users !== undefined) return { nodeId, userIds: asStrings(users, 'takeExpiredNode') };
      }
      return undefined;
    },
    async sweep(maxFields = DEFAULT_SWEEP_MAX_FIELDS) {
      let removed = 0;
      // Work is counted in users visited (not only fields deleted), so a stale index cannot stretch a call.
      let visited = 0;
      const skipped = new Set<string>(); // nodes that came back during this sweep
      while (visited < maxFields) {
        const nodeId = await FIND_DEAD_SCRIPT.run(client, [nodes], [String(forgetAfterMs)]);
        if (typeof nodeId !== 'string' || skipped.has(nodeId)) return removed;
        const users = asStrings(await PICK_USERS_SCRIPT.run(client, [nodeUsersKey(nodeId)], [String(Math.min(BATCH, maxFields - visited))]), 'sweep');
        visited += Math.max(1, users.length);
        const reply = asInteger(
          await FORGET_SCRIPT.run(client, [nodes, nodeUsersKey(nodeId), ...users.map(presenceKey)], [nodeId, String(forgetAfterMs), ...users]),
          'sweep',
        );
        if (reply < 0) skipped.add(nodeId);
        else removed += reply;
      }
      return removed;
    },
    async schedule(userIds, afterMs) {
      for (let i = 0; i < userIds.length; i += BATCH) {
        await SCHEDULE_SCRIPT.run(client, [unsettled], [String(Math.max(0, Math.floor(afterMs))), ...userIds.slice(i, i + BATCH)]);
      }
    },
    async settleDue(max) {
      const changed: SettledPresence[] = [];
      const users = asStrings(await DUE_SCRIPT.run(client, [unsettled], [String(Math.max(0, Math.floor(max)))]), 'settleDue');
      for (let i = 0; i < users.length; i += BATCH) {
        const batch = users.slice(i, i + BATCH);
        const reply = asStrings(await SETTLE_SCRIPT.run(client, [nodes, unsettled, announced, ...batch.map(presenceKey)], batch), 'settleDue');
        for (let j = 0; j + 1 < reply.length; j += 2) changed.push({ userId: reply[j]!, online: reply[j + 1] === '1' });
      }
      return changed;
    },
  };
}
