/**
 * The replay window (recent-entries.ts) against a plain model of the log: whenever it answers,
 * it answers exactly what reading the log would (every entry in the range, in order, at most
 * `limit`); it never answers for a position older than what it may keep (the log's maxEntries,
 * its capacity, the retention window); and after a restart it knows nothing before the new position.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecentEntries } from '@/socket-gateway/recent-entries';
import type { LogEntry } from '@/socket-gateway/stores/event-log';

const position = (seq: number) => `1700000000000-${seq}`;
const entry = (seq: number, at: number): LogEntry => ({ position: position(seq), at, to: { kind: 'all' }, event: 'e', data: seq });

type Step =
  { kind: 'push'; count: number; advanceMs: number } | { kind: 'read'; after: number; until: number; limit: number } | { kind: 'restart'; skip: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 0, max: 40 }), advanceMs: fc.integer({ min: 0, max: 400 }) }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('read' as const), after: fc.nat(300), until: fc.nat(320), limit: fc.integer({ min: 1, max: 50 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), skip: fc.nat(5) }) },
);

describe('recent entries (the replay window)', () => {
  it('answers exactly like the log, or not at all; never beyond maxEntries, capacity or the retention window', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 100, max: 3_000 }),
        (steps, capacity, maxEntries, retentionMs) => {
          let clock = 0;
          let seq = 0;
          const log: LogEntry[] = [];
          /** Entries before this sequence number were never seen by the reader (restart skipped them). */
          let readerFrom = 0;
          const window = createRecentEntries(position(0), { maxEntries, retentionMs }, capacity, () => clock);
          for (const s of steps) {
            if (s.kind === 'push') {
              clock += s.advanceMs;
              const batch = Array.from({ length: s.count }, () => entry(++seq, clock));
              log.push(...batch);
              window.push(batch);
            } else if (s.kind === 'restart') {
              seq += s.skip;
              readerFrom = seq;
              window.restart(position(seq));
            } else {
              const until = Math.min(s.until, seq);
              const answer = window.read(position(s.after), position(until), s.limit);
              if (answer === undefined) continue;
              const expected = log.filter((e) => Number(e.position.split('-')[1]) > s.after && Number(e.position.split('-')[1]) <= until).slice(0, s.limit);
              expect(answer).toEqual(expected);
              // Only what it may keep: from the reader's own start, the newest min(capacity, maxEntries), not expired.
              const newest = seq;
              const oldestAllowed = Math.max(readerFrom, newest - Math.min(capacity, maxEntries));
              if (s.after < seq) expect(s.after).toBeGreaterThanOrEqual(oldestAllowed);
              for (const e of answer) expect(e.at).toBeGreaterThanOrEqual(clock - retentionMs);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('serves a long stretch it holds in pages, and says nothing for a position it no longer holds', () => {
    const window = createRecentEntries(position(0), { maxEntries: 100_000, retentionMs: 60_000 }, 1_000, () => 0);
    window.push(Array.from({ length: 1_500 }, (_, i) => entry(i + 1, 0)));
    // It keeps the newest 1,000: entries 501…1,500.
    const page = window.read(position(500), position(1_500), 600);
    expect(page?.map((e) => e.position)).toEqual(Array.from({ length: 600 }, (_, i) => position(501 + i)));
    expect(window.read(position(1_100), position(1_500), 1_000)).toHaveLength(400);
    expect(window.read(position(499), position(1_500), 1_000)).toBeUndefined();
    expect(window.read(position(1_500), position(1_500), 1_000)).toEqual([]);
    expect(window.read(position(10), position(1_500), 1_000)).toBeUndefined();
    // Not delivered yet: the window cannot vouch for it.
    expect(window.read(position(1_400), position(1_600), 1_000)).toBeUndefined();
  });
});
