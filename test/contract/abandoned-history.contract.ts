/**
 * A room's history outlives its last member by a bounded time (red-team round 3, F6: rooms
 * opened, filled and left kept their history forever). Run against every backend with the
 * membership and history stores on the same data. The TTL is real time (short); Redis expires
 * keys itself, the embedded database and memory sweep on later joins and leaves, so each check
 * makes one membership change elsewhere before reading.
 */
import { describe, expect, it } from 'vitest';
import type { RoomHistoryStore } from 'socket-gateway/advanced';
import type { MembershipStore } from 'socket-gateway/advanced';

export interface AbandonedHistoryHandle {
  membership: MembershipStore;
  history: RoomHistoryStore;
  cleanup(): Promise<void>;
}

export type AbandonedHistoryFactory = (abandonedHistoryTtlMs: number) => Promise<AbandonedHistoryHandle>;

const TTL_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeAbandonedHistoryContract(name: string, factory: AbandonedHistoryFactory): void {
  const run = async (body: (handle: AbandonedHistoryHandle) => Promise<void>) => {
    const handle = await factory(TTL_MS);
    try {
      await body(handle);
    } finally {
      await handle.cleanup();
    }
  };
  const say = (history: RoomHistoryStore, room: string, n: number) => history.append(room, { event: 'room:message', data: { n } }, 100);
  const kept = async (history: RoomHistoryStore, room: string) => (await history.read(room, { limit: 100 })).entries.map((entry) => entry.data);
  /** Some membership change elsewhere (the sweep of the sweeping backends runs on these). */
  const elsewhere = async (membership: MembershipStore) => {
    await membership.join('passer-by', 'elsewhere', 10);
    await membership.leave('passer-by', 'elsewhere');
  };

  describe(`abandoned room history: ${name}`, () => {
    it('a room empty for longer than the TTL loses its history; a join starts it afresh', () =>
      run(async ({ membership, history }) => {
        await membership.join('alice', 'burner', 10);
        for (const n of [1, 2, 3]) await say(history, 'burner', n);
        await membership.leave('alice', 'burner');
        expect(await kept(history, 'burner')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]); // not at once
        await sleep(TTL_MS + 200);
        await elsewhere(membership);
        expect(await kept(history, 'burner')).toEqual([]);
        await membership.join('alice', 'burner', 10);
        expect(await kept(history, 'burner')).toEqual([]);
        expect((await say(history, 'burner', 4)).seq).toBeGreaterThanOrEqual(1);
        expect(await kept(history, 'burner')).toEqual([{ n: 4 }]);
      }));

    it('a join before the TTL keeps it, and so does any member staying (however long)', () =>
      run(async ({ membership, history }) => {
        await membership.join('alice', 'club', 10);
        await membership.join('bob', 'club', 10);
        await say(history, 'club', 1);
        await membership.leave('alice', 'club'); // bob is still in it
        await membership.join('carol', 'quiet', 10);
        await say(history, 'quiet', 1);
        await membership.leave('carol', 'quiet');
        await membership.join('dave', 'quiet', 10); // back before the TTL
        await sleep(TTL_MS + 200);
        await elsewhere(membership);
        expect(await kept(history, 'club')).toEqual([{ n: 1 }]);
        expect(await kept(history, 'quiet')).toEqual([{ n: 1 }]);
        // dave leaves: now the clock runs from his leave, not from carol's.
        await membership.leave('dave', 'quiet');
        await elsewhere(membership);
        expect(await kept(history, 'quiet')).toEqual([{ n: 1 }]);
        await sleep(TTL_MS + 200);
        await elsewhere(membership);
        expect(await kept(history, 'quiet')).toEqual([]);
        expect(await kept(history, 'club')).toEqual([{ n: 1 }]);
      }));

    it('a burst of abandoned rooms is all dropped after the TTL (the sweep keeps up with what joins and leaves create)', () =>
      run(async ({ membership, history }) => {
        const rooms = Array.from({ length: 40 }, (_, i) => `burner-${i}`);
        for (const room of rooms) {
          await membership.join('mallory', room, 100);
          await say(history, room, 1);
          await membership.leave('mallory', room);
        }
        await sleep(TTL_MS + 200);
        for (let i = 0; i < rooms.length; i++) await elsewhere(membership); // as many changes as made them
        for (const room of rooms) expect(await kept(history, room)).toEqual([]);
      }));

    it('countMembers counts without listing', () =>
      run(async ({ membership }) => {
        expect(await membership.countMembers('nowhere')).toBe(0);
        await membership.join('alice', 'r', 10);
        await membership.join('bob', 'r', 10);
        expect(await membership.countMembers('r')).toBe(2);
        await membership.leave('alice', 'r');
        expect(await membership.countMembers('r')).toBe(1);
      }));
  });
}
