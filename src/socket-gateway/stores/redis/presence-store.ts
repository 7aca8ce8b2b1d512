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

const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function liveCount(nodes, user)
  local fields = redis.call('HGETALL', user)
  local count = 0
  for i = 1, #fields, 2 do
    local lease = redis.call('ZSCORE', nodes, fields[i])
    if lease and tonumber(lease) > now then count = count + tonumber(fields[i + 1]) end
  end
  return count
end
`;

/** KEYS: nodes, presence:user, node-users:node. ARGV: nodeId, userId, maxConnections (-1: none), ttlMs. */
export const CONNECTED_SCRIPT = defineLuaScript(`${NOW}
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[4]), ARGV[1])
local count = liveCount(KEYS[1], KEYS[2])
local max = tonumber(ARGV[3])
if max >= 0 and count >= max then return {0, count} end
redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
redis.call('SADD', KEYS[3], ARGV[2])
return {1, count + 1}
`);

/** KEYS: nodes, presence:user, node-users:node. ARGV: nodeId, userId, ttlMs. Replies the live count left. */
export const DISCONNECTED_SCRIPT = defineLuaScript(`${NOW}
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[3]), ARGV[1])
if redis.call('HINCRBY', KEYS[2], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[2])
end
return liveCount(KEYS[1], KEYS[2])
`);

/** KEYS: nodes, presence:user… Replies 1 or 0 per user. */
export const IS_ONLINE_SCRIPT = defineLuaScript(`${NOW}
local online = {}
for i = 2, #KEYS do online[i - 1] = liveCount(KEYS[1], KEYS[i]) > 0 and 1 or 0 end
return online
`);

/** KEYS: nodes. ARGV: nodeId, lease end relative to now (ms; 'down' sets it to 0). */
export const LEASE_SCRIPT = defineLuaScript(`${NOW}
local lease = 0
if ARGV[2] ~= 'down' then lease = now + tonumber(ARGV[2]) end
redis.call('ZADD', KEYS[1], lease, ARGV[1])
return 1
`);

/** KEYS: nodes. ARGV: forgetAfterMs. Replies one node whose lease ended before the cutoff, or false. */
export const FIND_DEAD_SCRIPT = defineLuaScript(`${NOW}
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now - tonumber(ARGV[1])), 'LIMIT', 0, 1)
return found[1] or false
`);

/** KEYS: nodes. ARGV: the caller's nodeId. Replies one other node whose lease ran out without nodeDown (0 < lease <= now), or false. */
export const FIND_EXPIRED_SCRIPT = defineLuaScript(`${NOW}
local found = redis.call('ZRANGEBYSCORE', KEYS[1], '(0', string.format('%d', now), 'LIMIT', 0, 2)
for _, node in ipairs(found) do
  if node ~= ARGV[1] then return node end
end
return false
`);

/**
 * KEYS: nodes, node-users:node. ARGV: nodeId. If the node's lease still ran out without nodeDown,
 * marks it as nodeDown does (so nobody takes it again) and replies its users; otherwise false.
 */
export const CLAIM_EXPIRED_SCRIPT = defineLuaScript(`${NOW}
local lease = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]) or '0')
if lease <= 0 or lease > now then return false end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
return redis.call('SMEMBERS', KEYS[2])
`);

/**
 * KEYS: nodes, node-users:node, presence:user… ARGV: nodeId, ttlMs, then userId, count for each
 * presence key (same order). Renews the lease and sets each user's count on the node (0: removes it).
 */
export const RESTORE_SCRIPT = defineLuaScript(`${NOW}
redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[2]), ARGV[1])
for i = 3, #KEYS do
  local user = ARGV[2 * i - 3]
  local count = tonumber(ARGV[2 * i - 2])
  if count > 0 then
    redis.call('HSET', KEYS[i], ARGV[1], count)
    redis.call('SADD', KEYS[2], user)
  else
    redis.call('HDEL', KEYS[i], ARGV[1])
    redis.call('SREM', KEYS[2], user)
  end
end
return 1
`);

/** KEYS: node-users:node. ARGV: how many. Replies up to that many of its users. */
export const PICK_USERS_SCRIPT = defineLuaScript(`
return redis.call('SRANDMEMBER', KEYS[1], tonumber(ARGV[1]))
`);

/**
 * KEYS: nodes, node-users:node, presence:user… ARGV: nodeId, forgetAfterMs, userId… (same order).
 * Re-checks that the node is still dead (it may have come back since FIND_DEAD), deletes its
 * field from each user's hash, and drops the node once no user is left. Replies the fields
 * deleted, or -1 when the node came back.
 */
export const FORGET_SCRIPT = defineLuaScript(`${NOW}
local lease = redis.call('ZSCORE', KEYS[1], ARGV[1])
if lease and tonumber(lease) >= now - tonumber(ARGV[2]) then return -1 end
local removed = 0
for i = 3, #KEYS do
  removed = removed + redis.call('HDEL', KEYS[i], ARGV[1])
  redis.call('SREM', KEYS[2], ARGV[i])
end
if redis.call('SCARD', KEYS[2]) == 0 then redis.call('ZREM', KEYS[1], ARGV[1]) end
return removed
`);

/** KEYS: unsettled. ARGV: afterMs, userId… Each user is settled at now + afterMs, or later if already asked for later (GT). */
export const SCHEDULE_SCRIPT = defineLuaScript(`${NOW}
local at = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'GT', at, ARGV[i]) end
return 1
`);

/** KEYS: unsettled. ARGV: how many. Replies up to that many users whose time has come (not taken: SETTLE takes them). */
export const DUE_SCRIPT = defineLuaScript(`${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[1]))
`);

/**
 * KEYS: nodes, unsettled, announced, presence:user… ARGV: userId… (same order). For each user
 * still due (another node may have settled it, or it was pushed later since DUE): takes it, and
 * if whether it is online now differs from what was announced, records the new state. Replies
 * userId, '1'|'0' for each change.
 */
export const SETTLE_SCRIPT = defineLuaScript(`${NOW}
local changed = {}
for i = 4, #KEYS do
  local user = ARGV[i - 3]
  local at = redis.call('ZSCORE', KEYS[2], user)
  if at and tonumber(at) <= now then
    redis.call('ZREM', KEYS[2], user)
    local online = liveCount(KEYS[1], KEYS[i]) > 0
    local was = redis.call('SISMEMBER', KEYS[3], user) == 1
    if online ~= was then
      if online then redis.call('SADD', KEYS[3], user) else redis.call('SREM', KEYS[3], user) end
      changed[#changed + 1] = user
      changed[#changed + 1] = online and '1' or '0'
    end
  end
end
return changed
`);

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
