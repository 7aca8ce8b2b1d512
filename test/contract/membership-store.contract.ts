/**
 * What every MembershipStore backend must do, whatever it is built on. Each test gets a fresh,
 * empty store from the factory; the reference behaviour is the memory store's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JoinResult, MembershipStore } from 'socket-gateway/advanced';
import { withStore, type StoreFactory } from './store-handle';

export function describeMembershipStoreContract(name: string, factory: StoreFactory<MembershipStore>): void {
  const run = <T>(body: (store: MembershipStore, peer: MembershipStore) => Promise<T>) => withStore(factory, body);

  describe(`MembershipStore contract: ${name}`, () => {
    it('knows nothing about an unknown user or room', () =>
      run(async (store) => {
        expect(await store.roomsOf('nobody')).toEqual([]);
        expect(await store.membersOf('nowhere')).toEqual([]);
        expect(await store.isMember('nobody', 'nowhere')).toBe(false);
      }));

    it('joins rooms and lists them sorted, both ways', () =>
      run(async (store) => {
        expect(await store.join('bob', 'zeta', 10)).toEqual({ ok: true, added: true, count: 1 });
        expect(await store.join('bob', 'alpha', 10)).toEqual({ ok: true, added: true, count: 2 });
        expect(await store.join('alice', 'zeta', 10)).toEqual({ ok: true, added: true, count: 1 });
        expect(await store.roomsOf('bob')).toEqual(['alpha', 'zeta']);
        expect(await store.roomsOf('alice')).toEqual(['zeta']);
        expect(await store.membersOf('zeta')).toEqual(['alice', 'bob']);
        expect(await store.membersOf('alpha')).toEqual(['bob']);
        expect(await store.isMember('bob', 'alpha')).toBe(true);
        expect(await store.isMember('alice', 'alpha')).toBe(false);
      }));

    it('joining a room twice changes nothing and says added: false', () =>
      run(async (store) => {
        await store.join('bob', 'lobby', 10);
        expect(await store.join('bob', 'lobby', 10)).toEqual({ ok: true, added: false, count: 1 });
        expect(await store.roomsOf('bob')).toEqual(['lobby']);
        expect(await store.membersOf('lobby')).toEqual(['bob']);
      }));

    it('refuses a new room at the cap and changes nothing', () =>
      run(async (store) => {
        await store.join('bob', 'r1', 2);
        await store.join('bob', 'r2', 2);
        expect(await store.join('bob', 'r3', 2)).toEqual({ ok: false, reason: 'limit', count: 2 });
        expect(await store.roomsOf('bob')).toEqual(['r1', 'r2']);
        expect(await store.membersOf('r3')).toEqual([]);
        expect(await store.isMember('bob', 'r3')).toBe(false);
        // The cap is per user: another user is not affected.
        expect(await store.join('alice', 'r3', 2)).toEqual({ ok: true, added: true, count: 1 });
      }));

    it('at the cap, joining a room already joined is ok with added: false', () =>
      run(async (store) => {
        await store.join('bob', 'r1', 2);
        await store.join('bob', 'r2', 2);
        expect(await store.join('bob', 'r2', 2)).toEqual({ ok: true, added: false, count: 2 });
        // A lower cap than the current count never removes anything, and still allows a rejoin.
        expect(await store.join('bob', 'r1', 1)).toEqual({ ok: true, added: false, count: 2 });
        expect(await store.join('bob', 'r3', 1)).toEqual({ ok: false, reason: 'limit', count: 2 });
      }));

    it('maxRooms 0 refuses every room; Infinity means no cap', () =>
      run(async (store) => {
        expect(await store.join('bob', 'r1', 0)).toEqual({ ok: false, reason: 'limit', count: 0 });
        expect(await store.roomsOf('bob')).toEqual([]);
        expect(await store.join('bob', 'r1', Infinity)).toEqual({ ok: true, added: true, count: 1 });
        expect(await store.join('bob', 'r2', -Infinity)).toEqual({ ok: false, reason: 'limit', count: 1 });
      }));

    it('leaves a room, and leaving frees a slot under the cap', () =>
      run(async (store) => {
        await store.join('bob', 'r1', 2);
        await store.join('bob', 'r2', 2);
        await store.join('alice', 'r1', 2);
        expect(await store.leave('bob', 'r1')).toEqual({ removed: true, count: 1 });
        expect(await store.roomsOf('bob')).toEqual(['r2']);
        expect(await store.membersOf('r1')).toEqual(['alice']);
        expect(await store.isMember('bob', 'r1')).toBe(false);
        expect(await store.join('bob', 'r3', 2)).toEqual({ ok: true, added: true, count: 2 });
      }));

    it('leaving a room not joined changes nothing and says removed: false', () =>
      run(async (store) => {
        await store.join('bob', 'r1', 5);
        expect(await store.leave('bob', 'r2')).toEqual({ removed: false, count: 1 });
        expect(await store.leave('nobody', 'r1')).toEqual({ removed: false, count: 0 });
        expect(await store.roomsOf('bob')).toEqual(['r1']);
        expect(await store.membersOf('r1')).toEqual(['bob']);
      }));

    it('the last member leaving empties the room', () =>
      run(async (store) => {
        await store.join('bob', 'r1', 5);
        expect(await store.leave('bob', 'r1')).toEqual({ removed: true, count: 0 });
        expect(await store.membersOf('r1')).toEqual([]);
        expect(await store.roomsOf('bob')).toEqual([]);
        expect(await store.leave('bob', 'r1')).toEqual({ removed: false, count: 0 });
      }));

    it('keeps unicode and colon-laden ids apart, byte for byte', () =>
      run(async (store) => {
        // Ids that would collide if a backend built keys carelessly (`rooms:` + `a:b` vs `rooms:a` + ...).
        const users = ['a', 'a:b', 'a:b:c', 'rooms:a', 'members:x', 'ü', 'u\u0308', '😀', 'Ωmega', ' a ', 'A'];
        for (const [i, user] of users.entries()) {
          expect(await store.join(user, `room:${i}`, 5)).toEqual({ ok: true, added: true, count: 1 });
          expect(await store.join(user, 'x', 5)).toEqual({ ok: true, added: true, count: 2 });
        }
        for (const [i, user] of users.entries()) {
          expect(await store.roomsOf(user)).toEqual([`room:${i}`, 'x']);
        }
        expect(await store.membersOf('x')).toEqual([...users].sort());
        expect(await store.roomsOf('a:')).toEqual([]);
        expect(await store.isMember('ü', 'room:6')).toBe(false); // 'u\u0308' is another user
      }));

    it('sorts like JavaScript (UTF-16 code units), also past U+FFFF', () =>
      run(async (store) => {
        // SQLite compares UTF-8 bytes and would put '😀' after '～'; JavaScript puts it before.
        const rooms = ['～', '😀', 'a', 'Z', 'é', 'room:10', 'room:9', ''];
        for (const room of rooms) await store.join('bob', room, 20);
        expect(await store.roomsOf('bob')).toEqual([...rooms].sort());
        const users = ['～', '😀', 'a', 'Z'];
        for (const user of users) await store.join(user, 'shared', 20);
        expect(await store.membersOf('shared')).toEqual([...users].sort());
      }));

    it('the cap holds under 200 concurrent joins: exactly maxRooms stored', () =>
      run(async (store, peer) => {
        const maxRooms = 7;
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? peer : store).join('bob', `room-${i}`, maxRooms)));
        const accepted = results.filter((result) => result.ok);
        expect(accepted).toHaveLength(maxRooms);
        expect(accepted.every((result) => result.ok && result.added)).toBe(true);
        expect(results.filter((result) => !result.ok).every((result) => result.count === maxRooms)).toBe(true);
        // Every accepted join saw a distinct count 1..maxRooms: each one ran alone.
        expect(accepted.map((result) => result.count).sort((a, b) => a - b)).toEqual(Array.from({ length: maxRooms }, (_, i) => i + 1));
        const rooms = await store.roomsOf('bob');
        expect(rooms).toHaveLength(maxRooms);
        for (const room of rooms) expect(await peer.membersOf(room)).toEqual(['bob']);
      }));

    it('200 concurrent joins of one room add it exactly once', () =>
      run(async (store, peer) => {
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? peer : store).join('bob', 'lobby', 3)));
        expect(results.filter((result) => result.ok && result.added)).toHaveLength(1);
        expect(results.every((result) => result.ok && result.count === 1)).toBe(true);
        expect(await peer.membersOf('lobby')).toEqual(['bob']);
      }));

    it('a second handle on the same backend sees the same state', () =>
      run(async (store, peer) => {
        await store.join('bob', 'r1', 2);
        expect(await peer.roomsOf('bob')).toEqual(['r1']);
        expect(await peer.join('bob', 'r2', 2)).toEqual({ ok: true, added: true, count: 2 });
        expect(await store.join('bob', 'r3', 2)).toEqual({ ok: false, reason: 'limit', count: 2 });
        expect(await peer.leave('bob', 'r1')).toEqual({ removed: true, count: 1 });
        expect(await store.isMember('bob', 'r1')).toBe(false);
      }));

    it('property: any sequence of joins and leaves matches a simple model', async () => {
      const users = ['u1', 'u2', 'u:3'];
      const rooms = ['r1', 'r2', 'r3', 'r:4', '😀'];
      const op = fc.record({
        kind: fc.constantFrom('join' as const, 'leave' as const),
        user: fc.constantFrom(...users),
        room: fc.constantFrom(...rooms),
        maxRooms: fc.integer({ min: 0, max: 4 }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) =>
          run(async (store) => {
            const model = new Map<string, Set<string>>(users.map((user) => [user, new Set()]));
            for (const { kind, user, room, maxRooms } of ops) {
              const mine = model.get(user) ?? new Set<string>();
              if (kind === 'join') {
                let expected: JoinResult;
                if (mine.has(room)) expected = { ok: true, added: false, count: mine.size };
                else if (mine.size >= maxRooms) expected = { ok: false, reason: 'limit', count: mine.size };
                else expected = { ok: true, added: true, count: mine.add(room).size };
                expect(await store.join(user, room, maxRooms)).toEqual(expected);
              } else {
                const removed = mine.delete(room);
                expect(await store.leave(user, room)).toEqual({ removed, count: mine.size });
              }
            }
            for (const user of users) expect(await store.roomsOf(user)).toEqual([...(model.get(user) ?? [])].sort());
            for (const room of rooms) {
              const members = users.filter((user) => model.get(user)?.has(room));
              expect(await store.membersOf(room)).toEqual(members.sort());
              for (const user of users) expect(await store.isMember(user, room)).toBe(members.includes(user));
            }
          }),
        ),
        { numRuns: 100 },
      );
    });
  });
}
