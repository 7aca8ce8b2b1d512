/**
 * What every PresenceStore backend must do. Leases are short here (a few hundred ms) so that a
 * node "killed" by no longer heartbeating goes offline within the test; the waits are real time.
 */
import { describe, expect, it } from 'vitest';
import type { PresenceOptions, PresenceStore } from 'socket-gateway/advanced';
import { withStore, type StoreHandle } from './store-handle';

export type PresenceStoreFactory = (options: Required<PresenceOptions>) => Promise<StoreHandle<PresenceStore>>;

const TTL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for a lease to run out, with margin for a busy 2-core box. */
const leaseRunsOut = () => sleep(TTL_MS + 200);

export function describePresenceStoreContract(name: string, factory: PresenceStoreFactory): void {
  const run = <T>(body: (store: PresenceStore, peer: PresenceStore) => Promise<T>, options: Partial<PresenceOptions> = {}) =>
    withStore(() => factory({ heartbeatTtlMs: TTL_MS, forgetAfterMs: 60_000, ...options }), body);

  describe(`PresenceStore contract: ${name}`, () => {
    it('nobody is online at first', () =>
      run(async (store) => {
        expect(await store.isOnline(['alice', 'bob'])).toEqual([false, false]);
        expect(await store.isOnline([])).toEqual([]);
        expect(await store.disconnected('alice', 'n1')).toBe(0);
      }));

    it('counts sockets per user across tabs and nodes, answering in the order asked', () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await peer.heartbeat('n2');
        expect(await store.connected('bob', 'n1')).toEqual({ ok: true, count: 1 });
        expect(await store.connected('bob', 'n1')).toEqual({ ok: true, count: 2 });
        expect(await peer.connected('bob', 'n2')).toEqual({ ok: true, count: 3 });
        expect(await peer.connected('carol', 'n2')).toEqual({ ok: true, count: 1 });
        expect(await store.isOnline(['carol', 'alice', 'bob'])).toEqual([true, false, true]);
        expect(await store.disconnected('bob', 'n1')).toBe(2);
        expect(await peer.disconnected('bob', 'n2')).toBe(1);
        expect(await store.disconnected('bob', 'n1')).toBe(0);
        expect(await peer.isOnline(['bob', 'carol'])).toEqual([false, true]);
      }));

    it('a disconnect never takes a count below zero', () =>
      run(async (store) => {
        await store.heartbeat('n1');
        await store.connected('bob', 'n1');
        expect(await store.disconnected('bob', 'n1')).toBe(0);
        expect(await store.disconnected('bob', 'n1')).toBe(0); // a duplicate disconnect
        expect(await store.connected('bob', 'n1')).toEqual({ ok: true, count: 1 });
      }));

    it('refuses a socket past maxConnections, counting every node, and frees the slot on disconnect', () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await peer.heartbeat('n2');
        expect(await store.connected('bob', 'n1', 2)).toEqual({ ok: true, count: 1 });
        expect(await peer.connected('bob', 'n2', 2)).toEqual({ ok: true, count: 2 });
        expect(await store.connected('bob', 'n1', 2)).toEqual({ ok: false, reason: 'limit', count: 2 });
        expect(await peer.connected('alice', 'n2', 2)).toEqual({ ok: true, count: 1 }); // per user
        expect(await peer.disconnected('bob', 'n2')).toBe(1);
        expect(await store.connected('bob', 'n1', 2)).toEqual({ ok: true, count: 2 });
        expect(await store.connected('carol', 'n1', 0)).toEqual({ ok: false, reason: 'limit', count: 0 });
        expect(await store.connected('carol', 'n1', Infinity)).toEqual({ ok: true, count: 1 });
      }));

    it('the slot cap holds under 100 concurrent connects from two nodes', () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await peer.heartbeat('n2');
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? peer.connected('bob', 'n2', 5) : store.connected('bob', 'n1', 5))));
        const accepted = results.filter((result) => result.ok);
        expect(accepted.map((result) => result.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
        expect(results.filter((result) => !result.ok).every((result) => result.count === 5)).toBe(true);
      }));

    it('a node that stops heartbeating (SIGKILL) stops counting once its lease runs out', () =>
      run(async (store, peer) => {
        await store.heartbeat('killed');
        await peer.heartbeat('alive');
        await store.connected('alice', 'killed');
        await store.connected('bob', 'killed', 2);
        await store.connected('bob', 'killed', 2);
        await peer.connected('bob', 'alive', 3);
        expect(await peer.isOnline(['alice', 'bob'])).toEqual([true, true]);
        const renew = setInterval(() => void peer.heartbeat('alive'), TTL_MS / 3);
        try {
          await leaseRunsOut();
          expect(await peer.isOnline(['alice', 'bob'])).toEqual([false, true]);
          // The killed node's two slots are free again: bob may open two more sockets on the live node.
          expect(await peer.connected('bob', 'alive', 3)).toEqual({ ok: true, count: 2 });
          expect(await peer.connected('bob', 'alive', 3)).toEqual({ ok: true, count: 3 });
          expect(await peer.connected('bob', 'alive', 3)).toEqual({ ok: false, reason: 'limit', count: 3 });
        } finally {
          clearInterval(renew);
        }
      }));

    it('a node that was only stalled gets its counts back with its next heartbeat', () =>
      run(async (store) => {
        await store.heartbeat('n1');
        await store.connected('bob', 'n1');
        await leaseRunsOut();
        expect(await store.isOnline(['bob'])).toEqual([false]);
        expect(await store.sweep()).toBe(0); // not forgotten yet: forgetAfterMs has not passed
        await store.heartbeat('n1');
        expect(await store.isOnline(['bob'])).toEqual([true]);
        expect(await store.disconnected('bob', 'n1')).toBe(0);
      }));

    it('a node whose lease ran out without nodeDown is handed out once, with its users; live nodes and cleanly stopped ones never are', () =>
      run(async (store, peer) => {
        await store.heartbeat('killed');
        await store.heartbeat('clean');
        await peer.heartbeat('alive');
        await store.connected('alice', 'killed');
        await store.connected('bob', 'killed');
        await store.connected('bob', 'killed');
        await store.connected('carol', 'clean');
        await peer.connected('dave', 'alive');
        await store.nodeDown('clean');
        expect(await peer.takeExpiredNode('alive')).toBeUndefined(); // 'killed' still holds its lease
        const renew = setInterval(() => void peer.heartbeat('alive'), TTL_MS / 3);
        try {
          await leaseRunsOut();
          const taken = await peer.takeExpiredNode('alive');
          expect(taken && { nodeId: taken.nodeId, userIds: [...taken.userIds].sort() }).toEqual({ nodeId: 'killed', userIds: ['alice', 'bob'] });
          // Once: neither the same caller nor another one gets it again.
          expect(await peer.takeExpiredNode('alive')).toBeUndefined();
          expect(await store.takeExpiredNode('other')).toBeUndefined();
          expect(await peer.isOnline(['alice', 'bob', 'carol', 'dave'])).toEqual([false, false, false, true]);
        } finally {
          clearInterval(renew);
        }
      }));

    it('a node is never handed itself, and one taken while only stalled gets its counts back with its next heartbeat', () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await store.connected('bob', 'n1');
        await leaseRunsOut();
        expect(await store.takeExpiredNode('n1')).toBeUndefined();
        expect(await peer.takeExpiredNode('n2')).toEqual({ nodeId: 'n1', userIds: ['bob'] });
        await store.heartbeat('n1');
        expect(await store.isOnline(['bob'])).toEqual([true]);
        expect(await store.disconnected('bob', 'n1')).toBe(0);
      }));

    it("restoreNode makes a node's counts exactly what it holds (users left out have none) and renews its lease", () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await peer.heartbeat('n2');
        await store.connected('bob', 'n1');
        await store.connected('bob', 'n1');
        await store.connected('carol', 'n1'); // a disconnect the store missed
        await peer.connected('dave', 'n2');
        await store.restoreNode(
          'n1',
          new Map([
            ['bob', 1],
            ['erin', 2],
          ]),
        );
        expect(await peer.isOnline(['bob', 'carol', 'dave', 'erin'])).toEqual([true, false, true, true]);
        expect(await peer.connected('erin', 'n2', 2)).toEqual({ ok: false, reason: 'limit', count: 2 });
        expect(await store.disconnected('bob', 'n1')).toBe(0);
        await store.restoreNode(
          'n1',
          new Map([
            ['bob', 1],
            ['erin', 2],
          ]),
        ); // idempotent
        await store.restoreNode(
          'n1',
          new Map([
            ['bob', 1],
            ['erin', 2],
          ]),
        );
        expect(await peer.connected('erin', 'n2', 3)).toEqual({ ok: true, count: 3 });
        await leaseRunsOut();
        expect(await peer.isOnline(['bob'])).toEqual([false]);
        await store.restoreNode('n1', new Map([['bob', 1]]));
        expect(await peer.isOnline(['bob', 'erin'])).toEqual([true, false]);
        await store.restoreNode('n1', new Map());
        expect(await peer.isOnline(['bob'])).toEqual([false]);
      }));

    it('nodeDown takes a node offline at once', () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await store.connected('bob', 'n1');
        await peer.nodeDown('n1');
        expect(await peer.isOnline(['bob'])).toEqual([false]);
        expect(await peer.connected('bob', 'n2', 1)).toEqual({ ok: true, count: 1 });
      }));

    it('sweep forgets the counts of long-dead nodes, in bounded batches, and leaves live ones alone', () =>
      run(
        async (store, peer) => {
          await store.heartbeat('dead');
          await peer.heartbeat('live');
          const users = Array.from({ length: 25 }, (_, i) => `user:${i}`);
          for (const user of users) await store.connected(user, 'dead');
          await peer.connected('user:0', 'live');
          await store.nodeDown('dead');
          await sleep(100); // past forgetAfterMs
          expect(await peer.sweep(10)).toBe(10);
          expect(await peer.sweep(10)).toBe(10);
          expect(await peer.sweep(10)).toBe(5);
          expect(await peer.sweep(10)).toBe(0);
          expect(await peer.isOnline(['user:0', 'user:1'])).toEqual([true, false]);
          // A forgotten node that comes back starts from zero (its sockets disconnect to no count).
          await store.heartbeat('dead');
          expect(await store.isOnline(['user:1'])).toEqual([false]);
          expect(await store.disconnected('user:1', 'dead')).toBe(0);
          expect(await peer.disconnected('user:0', 'live')).toBe(0);
        },
        { forgetAfterMs: 50 },
      ));

    it('settleDue hands out only settled changes: a flap within the wait says nothing, a real change once', () =>
      run(async (store, peer) => {
        await store.heartbeat('n1');
        await peer.heartbeat('n2');
        expect(await store.settleDue(10)).toEqual([]);
        // bob comes online: settled at once, announced once (never announced = offline before).
        await store.connected('bob', 'n1');
        await store.schedule(['bob'], 0);
        expect(await peer.settleDue(10)).toEqual([{ userId: 'bob', online: true }]);
        expect(await store.settleDue(10)).toEqual([]); // handed out once
        // He flaps: offline (settle in 150 ms), back online on the other node before that.
        await store.disconnected('bob', 'n1');
        await store.schedule(['bob'], 150);
        expect(await peer.settleDue(10)).toEqual([]); // not due yet
        await peer.connected('bob', 'n2');
        await peer.schedule(['bob'], 0); // an earlier time does not pull the wait forward
        expect(await store.settleDue(10)).toEqual([]);
        await sleep(200);
        expect(await store.settleDue(10)).toEqual([]); // due, but nothing changed: nothing to announce
        // Now he really goes: announced offline once.
        await peer.disconnected('bob', 'n2');
        await peer.schedule(['bob'], 0);
        expect(await store.settleDue(10)).toEqual([{ userId: 'bob', online: false }]);
        expect(await peer.settleDue(10)).toEqual([]);
      }));

    it("settleDue settles a dead node's users after the wait, at most `max` per call, each by one caller", () =>
      run(async (store, peer) => {
        await store.heartbeat('killed');
        const users = Array.from({ length: 7 }, (_, i) => `u${i}`);
        for (const user of users) await store.connected(user, 'killed');
        await store.schedule(users, 0);
        expect((await store.settleDue(100)).length).toBe(7);
        await leaseRunsOut();
        const taken = await peer.takeExpiredNode('alive');
        expect([...(taken?.userIds ?? [])].sort()).toEqual(users);
        await peer.schedule(taken!.userIds, 0);
        const [first, second] = await Promise.all([store.settleDue(4), peer.settleDue(4)]);
        const third = await store.settleDue(4);
        expect(first.length).toBeLessThanOrEqual(4);
        expect(second.length).toBeLessThanOrEqual(4);
        const all = [...first, ...second, ...third];
        expect(all.map((change) => change.userId).sort()).toEqual(users);
        expect(all.every((change) => !change.online)).toBe(true);
      }));

    it('keeps unicode and colon-laden user and node ids apart', () =>
      run(async (store) => {
        const users = ['a', 'a:b', 'presence:a', '😀', 'u\u0308', 'ü'];
        await store.heartbeat('node:1');
        await store.heartbeat('node');
        for (const user of users.slice(0, 3)) await store.connected(user, 'node:1');
        await store.connected('😀', 'node');
        expect(await store.isOnline([...users, 'a:'])).toEqual([true, true, true, true, false, false, false]);
        await store.nodeDown('node');
        expect(await store.isOnline(['😀', 'a:b'])).toEqual([false, true]);
      }));

    it('answers for hundreds of users in one call', () =>
      run(async (store) => {
        await store.heartbeat('n1');
        const users = Array.from({ length: 450 }, (_, i) => `u${i}`);
        for (const user of users.filter((_, i) => i % 3 === 0)) await store.connected(user, 'n1');
        expect(await store.isOnline(users)).toEqual(users.map((_, i) => i % 3 === 0));
      }));
  });
}
