/**
 * Nothing lost in a cluster (issue 11, Tests, cluster): two server.ts nodes on one Redis, tabs
 * made of the browser's socket store behind TCP proxies (the load balancer), an emitter in this
 * process (what a worker uses) writing to several users and rooms every few milliseconds.
 * - The node holding two tabs is SIGKILLed and the proxies move them to the other node: every
 *   tab receives exactly what was addressed to it, in order (0 lost, 0 duplicated, 0 out of
 *   order, 0 of anyone else's), without a reload and without a resync.
 * - A tab away while the log moved past what it keeps (EVENT_LOG_MAX_ENTRIES, enforced by the
 *   nodes' trim timer) is told to resync.
 * - Redis flushed: the tabs are told to resync, and delivery goes on.
 */
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEmitter } from '../helpers/cluster';
import { signIn, type Session } from '../helpers/app-process';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster';
import { compareDelivery, emitTo, expectedFor, receivedIds, type Address, type Sent } from '../helpers/delivery-oracle';
import { settle } from '../helpers/socket-server';
import { openStoreTab, type StoreTab } from '../helpers/store-tab';

const MAX_ENTRIES = 1000;
const USERS = ['alice', 'bob', 'carol', 'admin'] as const;
type User = (typeof USERS)[number];
const ROOMS: Record<User, string[]> = { alice: ['r1'], bob: ['r1', 'r2'], carol: ['r2', 'r3'], admin: [] };

let cluster: Cluster;
let A: ClusterNode;
let B: ClusterNode;
let emitter: AppEmitter;
const sessions = {} as Record<User, Session>;
const tabs = {} as Record<User, StoreTab>;

beforeAll(async () => {
  cluster = await startCluster({ keyPrefix: 'cluster-replay:', env: { EVENT_LOG_MAX_ENTRIES: String(MAX_ENTRIES) } });
  [A, B] = cluster.nodes as [ClusterNode, ClusterNode];
  emitter = await cluster.emitter();
  for (const user of USERS) {
    sessions[user] = await signIn(A.url, user);
    for (const room of ROOMS[user]) await emitter.enterRoom({ id: user, role: 'user' }, room);
  }
  // bob and carol on A (the node that will die), alice and admin on B.
  for (const user of USERS)
    tabs[user] = await openStoreTab({ session: liveSession(user), userId: user, port: user === 'bob' || user === 'carol' ? A.port : B.port });
});

afterAll(async () => {
  for (const tab of Object.values(tabs)) await tab.close();
  await cluster?.stop();
});

/** `user`'s current session (the tabs read its cookie at each token fetch: signing in again takes effect). */
function liveSession(user: User): Session {
  return {
    get cookie() {
      return sessions[user].cookie;
    },
  } as Session;
}

/** Every address the writer uses: each user, one nobody, each room, one empty room, everyone. */
const ADDRESSES: Address[] = [
  ...USERS.map((userId) => ({ kind: 'user' as const, userId })),
  { kind: 'user', userId: 'nobody' },
  ...['r1', 'r2', 'r3', 'r-empty'].map((room) => ({ kind: 'room' as const, room })),
  { kind: 'all' },
];

/** Emits to a random address every ~`everyMs` until stopped; resolves with what it sent, in order. */
function startWriter(prefix: string, everyMs = 3) {
  const sent: Sent[] = [];
  let running = true;
  const done = (async () => {
    for (let n = 0; running; n += 1) {
      const to = ADDRESSES[Math.floor(Math.random() * ADDRESSES.length)]!;
      const id = `${prefix}${n}`;
      await emitTo(emitter, to, id);
      sent.push({ id, to });
      await settle(everyMs);
    }
    return sent;
  })();
  return {
    sent,
    stop: async () => {
      running = false;
      return done;
    },
  };
}

describe('a cluster loses nothing', () => {
  it('the node holding two tabs is SIGKILLed mid-stream and the proxy moves them to the other node: 0 lost, 0 duplicated, 0 out of order, 0 delivered to anyone else', async () => {
    const from = Object.fromEntries(USERS.map((user) => [user, tabs[user].received.length])) as Record<User, number>;
    const syncsBefore = Object.fromEntries(USERS.map((user) => [user, tabs[user].syncs.length])) as Record<User, number>;
    const writer = startWriter('kill-');
    // The writer is well under way (a count, not a time: a loaded machine writes slower).
    await expect.poll(() => writer.sent.length).toBeGreaterThanOrEqual(50);

    const killedAt = Date.now();
    await cluster.kill(A, 'SIGKILL');
    // The load balancer sends the dead node's clients to the live one.
    for (const user of ['bob', 'carol'] as const) tabs[user].moveTo(B.port);
    await Promise.all((['bob', 'carol'] as const).map((user) => tabs[user].waitForSyncs(syncsBefore[user] + 1)));
    const movedIn = Date.now() - killedAt;
    const sentWhenMoved = writer.sent.length;
    await expect.poll(() => writer.sent.length).toBeGreaterThanOrEqual(sentWhenMoved + 50); // and goes on writing to the moved tabs
    const sent = await writer.stop();
    // A marker to each user after the last write: once a tab has it, anything written before it
    // (a late duplicate too) has arrived, since each node delivers the log in order.
    for (const user of USERS) await emitTo(emitter, { kind: 'user', userId: user }, `end-${user}`);
    for (const user of USERS) await expect.poll(() => receivedIds(tabs[user], 'end-', from[user])).toEqual([`end-${user}`]);

    const reports = {} as Record<User, ReturnType<typeof compareDelivery>>;
    for (const user of USERS) {
      const expected = expectedFor(sent, user, new Set(ROOMS[user]));
      const received = receivedIds(tabs[user], 'kill-', from[user]);
      reports[user] = compareDelivery(expected, received);
      expect({ user, ...reports[user] }).toEqual({
        user,
        expected: expected.length,
        received: expected.length,
        lost: 0,
        duplicated: 0,
        outOfOrder: 0,
        foreign: 0,
      });
      expect(received).toEqual(expected);
      expect(tabs[user].resyncs).toBe(0);
    }
    const replayed = Object.fromEntries((['bob', 'carol'] as const).map((user) => [user, tabs[user].syncs.at(-1)?.replayed]));
    console.log(
      `SIGKILL: ${sent.length} events written; tabs moved and caught up ${movedIn} ms after the kill; replayed ${JSON.stringify(replayed)}; ` +
        `delivered ${JSON.stringify(Object.fromEntries(USERS.map((user) => [user, reports[user].received])))}`,
    );
    expect(Object.values(replayed).every((n) => typeof n === 'number')).toBe(true);
  });

  it(`a tab away while more than EVENT_LOG_MAX_ENTRIES (${MAX_ENTRIES}) events are written is told to resync, then continues live`, async () => {
    const carol = tabs.carol;
    const syncs = carol.syncs.length;
    carol.away();
    await expect.poll(() => carol.store.getSnapshot().status).toBe('reconnecting');
    await emitTo(emitter, { kind: 'user', userId: 'carol' }, 'retention-missed');
    // Concurrent batches: their order does not matter here, only that the log moves far past carol.
    for (let batch = 0; batch < 25; batch += 1) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => emitTo(emitter, { kind: 'user', userId: 'nobody' }, `retention-filler-${batch}-${i}`)));
    }
    // The emitter appends without knowing the nodes' EVENT_LOG_MAX_ENTRIES; the nodes trim the log
    // to it on their own timer (every 5 s). Wait for that, so the test does not depend on timing.
    const redis = createClient({ url: cluster.redis.url });
    await redis.connect();
    try {
      const trimmedFrom = Date.now();
      await expect.poll(() => redis.xLen(`${cluster.keyPrefix}log`), { timeout: 30_000, interval: 100 }).toBeLessThanOrEqual(MAX_ENTRIES);
      console.log(`retention: a node trimmed the log to ${MAX_ENTRIES} entries ${Date.now() - trimmedFrom} ms after the writes`);
    } finally {
      await redis.quit();
    }
    carol.back();
    await carol.waitForSyncs(syncs + 1);
    expect(carol.syncs.at(-1)).toMatchObject({ resync: true });
    expect(carol.resyncs).toBe(1);
    expect(carol.store.getSnapshot().resyncedAt).toEqual(expect.any(Number));
    console.log(`retention: resync reported, ${carol.syncs.at(-1)?.replayed} replayed`);

    await emitTo(emitter, { kind: 'user', userId: 'carol' }, 'retention-live');
    await expect.poll(() => receivedIds(carol, 'retention-')).toEqual(expect.arrayContaining(['retention-live']));
    // Nothing of anyone else's came along.
    expect(receivedIds(carol, 'retention-filler-')).toEqual([]);
  });

  it('Redis flushed (FLUSHALL): a tab that was away and the tabs that stayed connected are all told to resync, and delivery goes on', async () => {
    const bob = tabs.bob;
    const alice = tabs.alice;
    const resyncsBefore = { bob: bob.resyncs, alice: alice.resyncs };
    const syncs = bob.syncs.length;
    bob.away();
    await expect.poll(() => bob.store.getSnapshot().status).toBe('reconnecting');
    await emitTo(emitter, { kind: 'user', userId: 'bob' }, 'flush-before');
    const flushedAt = Date.now();
    await cluster.redis.flushAll();
    // A new epoch starts with the first write after the flush.
    await emitTo(emitter, { kind: 'user', userId: 'bob' }, 'flush-after');
    await emitTo(emitter, { kind: 'user', userId: 'alice' }, 'flush-after-alice');

    // alice stayed connected: her node's log reader notices the reset and tells its sockets.
    await expect.poll(() => alice.resyncs, { timeout: 30_000 }).toBe(resyncsBefore.alice + 1);
    // The sign-outs were flushed too: every credential from before is refused (attacks-3 F5), so bob
    // signs in again (once the nodes have noticed) before his tab fetches a new token.
    // (Only B: A was SIGKILLed by the first test and stays down.)
    for (const node of [B]) {
      await expect
        .poll(async () => ((await (await fetch(new URL('/api/health', node.url))).json()) as { credentialsResetAt: number }).credentialsResetAt, {
          timeout: 30_000,
        })
        .toBeGreaterThanOrEqual(flushedAt - 1);
    }
    sessions.bob = await signIn(B.url, 'bob');
    bob.back();
    await bob.waitForSyncs(syncs + 1);
    expect(bob.syncs.at(-1)).toMatchObject({ resync: true });
    expect(bob.resyncs).toBeGreaterThan(resyncsBefore.bob);

    await emitTo(emitter, { kind: 'user', userId: 'bob' }, 'flush-live');
    await expect.poll(() => receivedIds(bob, 'flush-live')).toEqual(['flush-live']);
    // Presence was flushed too; each node counted its open sockets in again when it saw the reset.
    await expect.poll(() => emitter.areOnline([...USERS]), { timeout: 30_000 }).toEqual([true, true, true, true]);
    await emitTo(emitter, { kind: 'all' }, 'flush-all');
    for (const user of USERS) await expect.poll(() => receivedIds(tabs[user], 'flush-all')).toEqual(['flush-all']);
    console.log(
      `flush: bob ${JSON.stringify(bob.syncs.at(-1))}; bob got ${JSON.stringify(receivedIds(bob, 'flush-'))}, alice got ${JSON.stringify(receivedIds(alice, 'flush-'))}`,
    );
  });
});
