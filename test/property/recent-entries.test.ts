/**
 * The replay window (recent-entries.ts) against a plain model of the log: whenever it answers,
 * it answers exactly what reading the log and keeping the entries addressed to the client would
 * (every one in the range, in order); it never answers for a position older than what it may keep
 * (the log's maxEntries, its capacity, the retention window) or newer than what the reader
 * delivered; after a restart it knows nothing before the new position.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { payloadBytes } from 'socket-gateway/advanced';
import { addressKey, createRecentEntries } from '@/socket-gateway/delivery/recent-entries';
import type { EventAddress, LogEntry } from 'socket-gateway/advanced';

const position = (seq: number) => `1700000000000-${seq}`;
const seqOf = (entry: LogEntry) => Number(entry.position.split('-')[1]);
const entry = (seq: number, at: number, to: EventAddress): LogEntry => ({ position: position(seq), at, to, event: 'e', data: seq });

const address: fc.Arbitrary<EventAddress> = fc.oneof(
  fc.constant({ kind: 'all' as const }),
  fc.constantFrom('ann', 'bob', 'cy').map((userId) => ({ kind: 'user' as const, userId })),
  fc.constantFrom('a', 'b', 'c', 'd').map((room) => ({ kind: 'room' as const, room })),
);

type Step =
  | { kind: 'push'; to: EventAddress[]; advanceMs: number }
  /** Reads (until − span, until], until = the newest − back (or past the newest when back < 0). */
  | { kind: 'read'; back: number; span: number; addresses: EventAddress[] }
  | { kind: 'restart'; skip: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('push' as const), to: fc.array(address, { maxLength: 40 }), advanceMs: fc.integer({ min: 0, max: 400 }) }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      back: fc.integer({ min: -3, max: 60 }),
      span: fc.nat(250),
      addresses: fc.array(address, { maxLength: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), skip: fc.nat(5) }) },
);

describe('recent entries (the replay window)', () => {
  it("answers exactly like the log filtered to the client's addresses, or not at all; never beyond maxEntries, capacity or retention", () => {
    let answered = 0;
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 60 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 100, max: 3_000 }),
        (steps, capacity, maxEntries, retentionMs) => {
          let clock = 0;
          let seq = 0;
          const log: LogEntry[] = [];
          /** The reader started (or restarted) after this sequence number. */
          let readerFrom = 0;
          const window = createRecentEntries(position(0), { maxEntries, retentionMs }, capacity, () => clock);
          for (const s of steps) {
            if (s.kind === 'push') {
              clock += s.advanceMs;
              const batch = s.to.map((to) => entry(++seq, clock, to));
              log.push(...batch);
              window.push(batch);
            } else if (s.kind === 'restart') {
              seq += s.skip;
              readerFrom = seq;
              window.restart(position(seq));
            } else {
              const until = Math.max(0, seq - s.back);
              const after = Math.max(0, until - s.span);
              const answer = window.readAddressed(position(after), position(until), s.addresses);
              if (until > seq) expect(answer).toBeUndefined();
              if (answer === undefined) continue;
              answered += 1;
              const keys = new Set(s.addresses.map(addressKey));
              const expected = log.filter((e) => seqOf(e) > after && seqOf(e) <= until && keys.has(addressKey(e.to)));
              expect(answer).toEqual(expected);
              // Only what it may keep: from the reader's own start, the newest min(capacity, maxEntries), not expired.
              const oldestAllowed = Math.max(readerFrom, seq - Math.min(capacity, maxEntries));
              if (after < until) expect(after).toBeGreaterThanOrEqual(oldestAllowed);
              for (const e of answer) expect(e.at).toBeGreaterThanOrEqual(clock - retentionMs);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // The property is not vacuous: the window did answer, many times.
    expect(answered).toBeGreaterThan(100);
  });

  it('holds at most maxBytes of payload JSON (UTF-8): the newest entries that fit, exact answers for them, none for what it dropped', () => {
    let answered = 0;
    let droppedForBytes = 0;
    // Payloads of every size, some multi-byte (é: 2 bytes, 😀: 4) and some with control characters (6 bytes each in JSON).
    const payload = fc.oneof(fc.nat(2_000), fc.string({ maxLength: 300, unit: fc.constantFrom('a', 'é', '😀', '\u0001') }));
    const pushOrRead = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), data: fc.array(fc.tuple(address, payload), { maxLength: 12 }) }) },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant('read' as const), back: fc.nat(30), span: fc.nat(60), addresses: fc.array(address, { maxLength: 4 }) }),
      },
    );
    fc.assert(
      fc.property(fc.array(pushOrRead, { maxLength: 50 }), fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 1, max: 60 }), (steps, maxBytes, capacity) => {
        let seq = 0;
        const log: LogEntry[] = [];
        const window = createRecentEntries(position(0), { maxEntries: 100_000, retentionMs: 3_600_000 }, capacity, () => 0, maxBytes);
        /** The oldest seq it may still hold: the newest entries within the capacity whose payloads fit in maxBytes together. */
        let oldestKept = 1;
        for (const s of steps) {
          if (s.kind === 'push') {
            const batch = s.data.map(([to, data]) => ({ ...entry(++seq, 0, to), data }));
            log.push(...batch);
            window.push(batch);
            let bytes = 0;
            let first = seq + 1;
            while (first - 1 > 0 && seq - (first - 1) < capacity && bytes + payloadBytes(log[first - 2]!.data) <= maxBytes)
              bytes += payloadBytes(log[--first - 1]!.data);
            if (first > Math.max(oldestKept, seq - capacity + 1)) droppedForBytes += 1; // bytes, not the count, set the start
            oldestKept = Math.max(oldestKept, first);
            const held = window.held();
            expect(held.bytes).toBeLessThanOrEqual(maxBytes);
            expect(held.entries).toBe(seq - oldestKept + 1);
            expect(held.bytes).toBe(log.slice(oldestKept - 1).reduce((sum, e) => sum + payloadBytes(e.data), 0));
          } else {
            const until = Math.max(0, seq - s.back);
            const after = Math.max(0, until - s.span);
            const answer = window.readAddressed(position(after), position(until), s.addresses);
            if (after < oldestKept - 1) {
              expect(answer).toBeUndefined(); // dropped (for bytes or count): the caller reads the log
              continue;
            }
            const keys = new Set(s.addresses.map(addressKey));
            expect(answer).toEqual(log.filter((e) => seqOf(e) > after && seqOf(e) <= until && keys.has(addressKey(e.to))));
            answered += 1;
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(answered).toBeGreaterThan(100);
    expect(droppedForBytes).toBeGreaterThan(50); // the byte bound did the dropping, many times
  });

  it('keeps the newest entries up to its capacity, and says nothing for a position it no longer holds', () => {
    const window = createRecentEntries(position(0), { maxEntries: 100_000, retentionMs: 60_000 }, 1_000, () => 0);
    const rooms = ['a', 'b', 'c'];
    window.push(Array.from({ length: 5_000 }, (_, i) => entry(i + 1, 0, { kind: 'room', room: rooms[i % 3]! })));
    // It keeps the newest 1,000: entries 4,001…5,000.
    const inA = window.readAddressed(position(4_000), position(5_000), [{ kind: 'room', room: 'a' }]);
    expect(inA?.map(seqOf)).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1).filter((n) => n > 4_000 && (n - 1) % 3 === 0));
    expect(window.readAddressed(position(4_000), position(5_000), [{ kind: 'user', userId: 'nobody' }])).toEqual([]);
    expect(window.readAddressed(position(3_999), position(5_000), [{ kind: 'all' }])).toBeUndefined();
    // Not delivered yet: the window cannot vouch for it.
    expect(window.readAddressed(position(4_500), position(5_001), [{ kind: 'all' }])).toBeUndefined();
  });
});
