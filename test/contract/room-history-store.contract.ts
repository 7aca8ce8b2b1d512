/**
 * What every RoomHistoryStore backend must do. Each test gets a fresh, empty store from the
 * factory; the reference behaviour is the memory store's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoomHistoryEntry, RoomHistoryStore } from 'socket-gateway/advanced';
import { withStore, type StoreFactory } from './store-handle';

const msg = (text: string) => ({ event: 'room:message', data: { id: text, from: 'bob', message: text, sentAt: 1, room: 'r' } });
const texts = (entries: RoomHistoryEntry[]) => entries.map((entry) => (entry.data as { message: string }).message);

export function describeRoomHistoryStoreContract(name: string, factory: StoreFactory<RoomHistoryStore>): void {
  const run = <T>(body: (store: RoomHistoryStore, peer: RoomHistoryStore) => Promise<T>) => withStore(factory, body);

  describe(`RoomHistoryStore contract: ${name}`, () => {
    it('an unknown room has no entries', () =>
      run(async (store) => {
        expect(await store.read('nowhere', { limit: 10 })).toEqual({ entries: [], hasMore: false });
        expect(await store.read('nowhere', { before: 5, limit: 10 })).toEqual({ entries: [], hasMore: false });
      }));

    it('numbers entries 1, 2, 3… per room and returns them oldest first, payload as JSON gives it back', () =>
      run(async (store) => {
        expect(await store.append('r', msg('one'), 10)).toEqual({ seq: 1, ...msg('one') });
        expect((await store.append('r', msg('two'), 10)).seq).toBe(2);
        expect((await store.append('other', msg('elsewhere'), 10)).seq).toBe(1);
        expect((await store.append('r', msg('three'), 10)).seq).toBe(3);
        const page = await store.read('r', { limit: 10 });
        expect(page.hasMore).toBe(false);
        expect(page.entries).toEqual([
          { seq: 1, ...msg('one') },
          { seq: 2, ...msg('two') },
          { seq: 3, ...msg('three') },
        ]);
        expect(texts((await store.read('other', { limit: 10 })).entries)).toEqual(['elsewhere']);
      }));

    it('keeps only the newest `keep` entries of a room, and numbers go on (never reused)', () =>
      run(async (store) => {
        for (let i = 1; i <= 7; i += 1) await store.append('r', msg(`m${i}`), 3);
        const page = await store.read('r', { limit: 100 });
        expect(page.entries.map((entry) => entry.seq)).toEqual([5, 6, 7]);
        expect(texts(page.entries)).toEqual(['m5', 'm6', 'm7']);
        expect(page.hasMore).toBe(false);
        expect((await store.append('r', msg('m8'), 3)).seq).toBe(8);
        // A larger bound later keeps more from then on; a smaller one drops the surplus at once.
        await store.append('r', msg('m9'), 5);
        expect(texts((await store.read('r', { limit: 100 })).entries)).toEqual(['m6', 'm7', 'm8', 'm9']);
        await store.append('r', msg('m10'), 2);
        expect(texts((await store.read('r', { limit: 100 })).entries)).toEqual(['m9', 'm10']);
      }));

    it('pages backwards with `before`: the newest page first, then older ones, until hasMore is false', () =>
      run(async (store) => {
        for (let i = 1; i <= 10; i += 1) await store.append('r', msg(`m${i}`), 100);
        const newest = await store.read('r', { limit: 4 });
        expect(texts(newest.entries)).toEqual(['m7', 'm8', 'm9', 'm10']);
        expect(newest.hasMore).toBe(true);
        const older = await store.read('r', { before: newest.entries[0]!.seq, limit: 4 });
        expect(texts(older.entries)).toEqual(['m3', 'm4', 'm5', 'm6']);
        expect(older.hasMore).toBe(true);
        const oldest = await store.read('r', { before: older.entries[0]!.seq, limit: 4 });
        expect(texts(oldest.entries)).toEqual(['m1', 'm2']);
        expect(oldest.hasMore).toBe(false);
        expect(await store.read('r', { before: 1, limit: 4 })).toEqual({ entries: [], hasMore: false });
        // Exactly a page left: hasMore is false.
        expect(await store.read('r', { before: 5, limit: 4 })).toMatchObject({ hasMore: false });
        // A `before` past the newest is the newest page.
        expect(texts((await store.read('r', { before: 1_000, limit: 2 })).entries)).toEqual(['m9', 'm10']);
      }));

    it('paging stops at what is kept: trimmed entries are not reported as more', () =>
      run(async (store) => {
        for (let i = 1; i <= 10; i += 1) await store.append('r', msg(`m${i}`), 4);
        const page = await store.read('r', { limit: 2 });
        expect(texts(page.entries)).toEqual(['m9', 'm10']);
        const older = await store.read('r', { before: 9, limit: 2 });
        expect(texts(older.entries)).toEqual(['m7', 'm8']);
        expect(older.hasMore).toBe(false);
        expect(await store.read('r', { before: 7, limit: 2 })).toEqual({ entries: [], hasMore: false });
      }));

    it('keeps rooms apart byte for byte (colons, unicode, prefixes of each other)', () =>
      run(async (store) => {
        const rooms = ['a', 'a:b', 'a:b:c', 'history:a', 'history-seq:a', 'ü', 'u\u0308', '😀', 'A'];
        for (const [i, room] of rooms.entries()) {
          for (let n = 0; n <= i; n += 1) await store.append(room, msg(`${room}#${n}`), 50);
        }
        for (const [i, room] of rooms.entries()) {
          const { entries } = await store.read(room, { limit: 50 });
          expect(texts(entries)).toEqual(Array.from({ length: i + 1 }, (_, n) => `${room}#${n}`));
          expect(entries.at(-1)!.seq).toBe(i + 1);
        }
      }));

    it('round-trips any JSON payload, any event name', () =>
      run(async (store) => {
        const data = { text: 'multi\nline "quoted" \\ ü 😀 \u2028', n: -1.5, nested: { list: [1, null, true, 'x'] }, empty: {} };
        await store.append('r', { event: 'custom:event name', data }, 5);
        await store.append('r', { event: 'plain', data: 'just a string' }, 5);
        await store.append('r', { event: 'nothing', data: null }, 5);
        expect((await store.read('r', { limit: 5 })).entries).toEqual([
          { seq: 1, event: 'custom:event name', data },
          { seq: 2, event: 'plain', data: 'just a string' },
          { seq: 3, event: 'nothing', data: null },
        ]);
      }));

    it('refuses a keep, limit or before that is not a whole number of at least 1', () =>
      run(async (store) => {
        await expect(store.append('r', msg('x'), 0)).rejects.toThrow(RangeError);
        await expect(store.append('r', msg('x'), 1.5)).rejects.toThrow(RangeError);
        await expect(store.append('r', msg('x'), Number.NaN)).rejects.toThrow(RangeError);
        await expect(store.read('r', { limit: 0 })).rejects.toThrow(RangeError);
        await expect(store.read('r', { limit: 2, before: 0 })).rejects.toThrow(RangeError);
        await expect(store.read('r', { limit: 2, before: 2.5 })).rejects.toThrow(RangeError);
        expect(await store.read('r', { limit: 5 })).toEqual({ entries: [], hasMore: false }); // nothing was stored
      }));

    it('100 concurrent appends from two handles get distinct, dense numbers; the newest `keep` are kept', () =>
      run(async (store, peer) => {
        const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? peer : store).append('busy', msg(`c${i}`), 30)));
        expect(results.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        const bySeq = new Map(results.map((entry) => [entry.seq, (entry.data as { message: string }).message]));
        const { entries, hasMore } = await peer.read('busy', { limit: 100 });
        expect(hasMore).toBe(false);
        expect(entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 71 + i));
        for (const entry of entries) expect((entry.data as { message: string }).message).toBe(bySeq.get(entry.seq));
      }));

    it('a second handle on the same backend sees the same history', () =>
      run(async (store, peer) => {
        await store.append('r', msg('from a'), 10);
        await peer.append('r', msg('from b'), 10);
        expect(texts((await store.read('r', { limit: 10 })).entries)).toEqual(['from a', 'from b']);
        expect(texts((await peer.read('r', { limit: 10 })).entries)).toEqual(['from a', 'from b']);
      }));

    it('property: any sequence of appends and reads matches a simple model', async () => {
      const op = fc.oneof(
        fc.record({ kind: fc.constant('append' as const), room: fc.constantFrom('r1', 'r:2'), keep: fc.integer({ min: 1, max: 6 }) }),
        fc.record({
          kind: fc.constant('read' as const),
          room: fc.constantFrom('r1', 'r:2', 'r3'),
          before: fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined }),
          limit: fc.integer({ min: 1, max: 8 }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) =>
          run(async (store) => {
            const model = new Map<string, { last: number; kept: number[] }>();
            for (const step of ops) {
              const room = model.get(step.room) ?? { last: 0, kept: [] };
              model.set(step.room, room);
              if (step.kind === 'append') {
                room.last += 1;
                room.kept = [...room.kept, room.last].slice(-step.keep);
                expect((await store.append(step.room, msg(`s${room.last}`), step.keep)).seq).toBe(room.last);
              } else {
                const below = room.kept.filter((seq) => step.before === undefined || seq < step.before);
                const expected = below.slice(-step.limit);
                const page = await store.read(step.room, { before: step.before, limit: step.limit });
                expect(page.entries.map((entry) => entry.seq)).toEqual(expected);
                expect(texts(page.entries)).toEqual(expected.map((seq) => `s${seq}`));
                expect(page.hasMore).toBe(below.length > expected.length);
              }
            }
          }),
        ),
        { numRuns: 60 },
      );
    });
  });
}
