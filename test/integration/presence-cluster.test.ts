/**
 * Presence across two nodes on one real Redis (issue 18, items 6 and 14): users moved off a node,
 * killed or stopped, who reconnect to another node within the grace (a killed node's users: the
 * node-loss grace) are never announced offline (no flap in a reconnect storm); those who do not
 * come back are, once, after it; and a killed node's presence keys are swept once its lease and
 * `forgetAfterMs` have passed.
 *
 * Two real socket servers in this process, each with its own Redis connection and the Redis
 * stores and event log (what a node in a cluster uses), real socket.io-client connections. A
 * "killed" node has its Redis connection destroyed before its sockets drop: from Redis's side no
 * heartbeat, disconnect or nodeDown ever comes again, exactly what a SIGKILL leaves.
 */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PresenceChange } from 'socket-gateway/advanced';
import { createRedisEventLog, createRedisMembershipStore, createRedisPresenceStore, createRedisRateLimitStore } from 'socket-gateway/stores/redis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { collectEvents, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const PREFIX = 'presence-cluster:';
/** How long a dead node's counts are kept before a sweep may delete them (default 5 min; short here). */
const FORGET_AFTER_MS = 500;

const newClient = (url: string) => createClient({ url });
type RedisClient = ReturnType<typeof newClient>;
interface Node {
  server: TestServer;
  client: RedisClient;
  close(): Promise<void>;
}

let redis: RedisServer;
let probe: RedisClient;
const nodes: Node[] = [];

async function startNode(nodeId: string, presence: { graceMs?: number; nodeLossGraceMs?: number } = {}): Promise<Node> {
  const client = newClient(redis.url);
  client.on('error', () => {}); // a killed node's client reports its own destruction; nothing to see
  await client.connect();
  const options = { keyPrefix: PREFIX };
  const log = createRedisEventLog(client, options);
  const server = await startSocketServer({
    nodeId,
    register: false,
    stores: {
      membership: createRedisMembershipStore(client, options),
      presence: createRedisPresenceStore(client, { ...options, forgetAfterMs: FORGET_AFTER_MS }),
      rateLimits: createRedisRateLimitStore(client, options),
    },
    log,
    // The graces are the defaults unless a test sets them; sweeps run often so the test need not wait 30 s.
    presence: { sweepIntervalMs: 200, ...presence },
    onError: () => {},
  });
  await server.ready;
  const node: Node = {
    server,
    client,
    async close() {
      await server.stop();
      await log.close?.();
      if (client.isOpen) await client.quit();
    },
  };
  nodes.push(node);
  return node;
}

/** A SIGKILL as Redis sees it: nothing from the node reaches Redis again, and its sockets drop. */
function kill(node: Node): void {
  node.client.destroy();
  node.server.io.disconnectSockets(true);
}

const offline = (seen: PresenceChange[], userId: string) => seen.some((change) => change.userId === userId && !change.online);

beforeAll(async () => {
  redis = await startRedisServer();
  probe = newClient(redis.url);
  await probe.connect();
});
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.close().catch(() => undefined);
});
afterAll(async () => {
  await probe?.quit();
  await redis?.stop();
});

describe('presence across two nodes on one Redis', () => {
  it('a killed node: users who reconnect elsewhere within the node-loss grace are never announced offline, the others once; its keys are swept', async () => {
    // A reload's grace shorter than a node loss's (defaults 3 s and 10 s, short here): carol comes
    // back after the first and within the second, as a client of a killed node does in a storm.
    const graces = { graceMs: 1_000, nodeLossGraceMs: 3_000 };
    const A = await startNode('node-A', graces);
    const B = await startNode('node-B', graces);
    for (const user of ['alice', 'carol', 'dave']) await A.server.stores.membership.join(user, 'den', 50);
    const alice = await A.server.connectAs('alice');
    const seen = collectEvents(alice, 'presence:changed') as PresenceChange[];
    await B.server.connectAs('carol');
    await B.server.connectAs('dave');
    await vi.waitFor(
      () => expect(seen.filter((change) => change.online && change.userId !== 'alice').map((change) => change.userId)).toEqual(['carol', 'dave']),
      { timeout: 5_000 },
    );

    expect(await probe.sMembers(`${PREFIX}node-users:node-B`)).toHaveLength(2); // what a sweep must delete later

    kill(B);
    // Once B's lease has run out, A takes it over (its lease set to 0, or already swept):
    // that is when the old code told the room at once.
    await vi.waitFor(async () => expect((await probe.zScore(`${PREFIX}nodes`, 'node-B')) ?? 0).toBe(0), { timeout: 10_000, interval: 20 });
    // carol's tab reconnects, to A (the storm after a kill): after a reload's grace (the old code
    // settled a dead node's users after that one and announced her offline), within a node loss's.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const carolAgain: TestClient = await A.server.connectAs('carol');
    expect(carolAgain.connected).toBe(true);

    // dave never comes back: announced offline once the node-loss grace has passed…
    await vi.waitFor(() => expect(offline(seen, 'dave')).toBe(true), { timeout: 10_000 });
    // …in the same settle as carol, who comes before him: had carol been announced, it would have arrived first.
    expect(offline(seen, 'carol')).toBe(false);
    expect(seen.filter((change) => change.userId === 'dave')).toEqual([
      { room: 'den', userId: 'dave', online: true },
      { room: 'den', userId: 'dave', online: false },
    ]);
    expect(await A.server.stores.presence.isOnline(['carol', 'dave'])).toEqual([true, false]);

    // Sweep: B's lease, its user index and its fields in the users' hashes are deleted.
    await vi.waitFor(
      async () => {
        expect(await probe.zScore(`${PREFIX}nodes`, 'node-B')).toBeNull();
        expect(await probe.exists(`${PREFIX}node-users:node-B`)).toBe(0);
        expect(await probe.exists(`${PREFIX}presence:dave`)).toBe(0);
        expect(await probe.hGetAll(`${PREFIX}presence:carol`)).toEqual({ 'node-A': '1' });
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(await probe.zScore(`${PREFIX}nodes`, 'node-A')).not.toBeNull(); // the live node is left alone
  });

  it('a node stopped cleanly (a deploy): users who reconnect elsewhere within the grace are not announced offline; the others are, by the node still running', async () => {
    const A = await startNode('node-A2');
    const B = await startNode('node-B2');
    for (const user of ['alice', 'erin', 'fred']) await A.server.stores.membership.join(user, 'hall', 50);
    const alice = await A.server.connectAs('alice');
    const seen = collectEvents(alice, 'presence:changed') as PresenceChange[];
    const erinOnB = await B.server.connectAs('erin');
    await B.server.connectAs('fred');
    await vi.waitFor(
      () => expect(seen.filter((change) => change.online && change.userId !== 'alice').map((change) => change.userId)).toEqual(['erin', 'fred']),
      { timeout: 5_000 },
    );

    const dropped = new Promise<void>((resolve) => erinOnB.once('disconnect', () => resolve()));
    const stopped = B.close();
    await dropped;
    // Counted out (the moment the old code told the room), then her tab reconnects to the node still running.
    await vi.waitFor(async () => expect(await A.server.stores.presence.isOnline(['erin'])).toEqual([false]), { interval: 20 });
    await A.server.connectAs('erin');
    await stopped;

    await vi.waitFor(() => expect(offline(seen, 'fred')).toBe(true), { timeout: 10_000 });
    expect(offline(seen, 'erin')).toBe(false);
    expect(await A.server.stores.presence.isOnline(['erin', 'fred'])).toEqual([true, false]);
  });

  it('after Redis lost everything (flushed), the node restores its counts and what was announced: a user who then leaves is still announced offline', async () => {
    const A = await startNode('node-A3');
    for (const user of ['alice', 'gus']) await A.server.stores.membership.join(user, 'attic', 50);
    const alice = await A.server.connectAs('alice');
    const seen = collectEvents(alice, 'presence:changed') as PresenceChange[];
    const gus = await A.server.connectAs('gus');
    await vi.waitFor(() => expect(seen).toContainEqual({ room: 'attic', userId: 'gus', online: true }), { timeout: 5_000 });

    await redis.flushAll();
    // The app keeps its memberships elsewhere or has them re-created; presence is the node's to restore.
    for (const user of ['alice', 'gus']) await A.server.stores.membership.join(user, 'attic', 50);
    await A.server.restorePresence(); // what the composition root calls when Redis is back
    await vi.waitFor(async () => expect(await probe.sIsMember(`${PREFIX}announced`, 'gus')).toBe(1), { timeout: 5_000 });

    const before = seen.length;
    gus.disconnect();
    await vi.waitFor(() => expect(seen.slice(before)).toContainEqual({ room: 'attic', userId: 'gus', online: false }), { timeout: 10_000 });
  });
});
