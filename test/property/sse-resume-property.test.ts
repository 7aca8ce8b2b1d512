/**
 * Issue 20: whatever the interleaving of emits (to the user, another user, everyone, the user's
 * room, another room), reads, drops, slow-reader cut-offs and resumes with the last id received,
 * an event stream (sse/event-stream.ts) over a real memory log hands the user every event
 * addressed to them, in log order, exactly once, and nothing addressed to anyone else.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryEventLog, createMemoryMembershipStore, type EventAddress, type EventLog } from 'socket-gateway/advanced';
import { createEventStreams, EventStreamClosedError, type EventStreamItem, type EventStreams } from 'socket-gateway/trpc';

type Op =
  | { kind: 'emit'; to: 'me' | 'other' | 'all' | 'my-room' | 'other-room' }
  | { kind: 'take'; count: number }
  | { kind: 'drop' }
  | { kind: 'resume' }
  /** Appends while a resume is starting (not awaited first): the seam between replay and live. */
  | { kind: 'burst'; to: Extract<Op, { kind: 'emit' }>['to'][]; delay: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('emit' as const), to: fc.constantFrom('me', 'other', 'all', 'my-room', 'other-room') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('take' as const), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'resume' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('burst' as const),
      to: fc.array(fc.constantFrom('me' as const, 'other' as const, 'all' as const, 'my-room' as const, 'other-room' as const), { minLength: 1, maxLength: 3 }),
      /** After how many microtasks the appends start, relative to the resume's first step. */
      delay: fc.integer({ min: 0, max: 12 }),
    }),
  },
);

const address: Record<Extract<Op, { kind: 'emit' }>['to'], EventAddress> = {
  me: { kind: 'user', userId: 'me' },
  other: { kind: 'user', userId: 'other' },
  all: { kind: 'all' },
  'my-room': { kind: 'room', room: 'my-room' },
  'other-room': { kind: 'room', room: 'other-room' },
};

let streams: EventStreams | undefined;
afterEach(async () => {
  await streams?.close();
  streams = undefined;
});

describe('event stream: drop / resume interleavings', () => {
  it('delivers every event addressed to the user, in order, exactly once, and nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const log: EventLog = createMemoryEventLog();
        const membership = createMemoryMembershipStore();
        await membership.join('me', 'my-room', 10);
        await membership.join('other', 'other-room', 10);
        await streams?.close();
        // A small queue bound: a stream left unread while events come is cut as a slow reader.
        streams = createEventStreams({ log, membership, maxQueuedEvents: 4 });
        const notRevoked = async () => false;
        /** Every event addressed to `me`, in log order (the oracle), and what the streams handed out. */
        const mine: string[] = [];
        const received: string[] = [];
        let lastId: string | undefined;
        let stream: AsyncGenerator<EventStreamItem> | undefined;
        /** Items the open stream can hand out now without waiting: the sync of its open, then every event of mine after the last received. */
        let syncPending = false;
        const open = () => {
          stream = streams!.open('me', { revoked: notRevoked, ...(lastId ? { lastEventId: lastId } : {}) });
          syncPending = true;
        };
        const take = async (count: number) => {
          for (let i = 0; i < count && stream; i++) {
            if (!syncPending && received.length === mine.length) return; // nothing to take: next() would wait
            let item: IteratorResult<EventStreamItem>;
            try {
              item = await stream.next();
            } catch (error) {
              expect(error).toEqual(new EventStreamClosedError('slow-reader'));
              stream = undefined; // cut: the client resumes with its last id
              return;
            }
            if (item.done) throw new Error('the stream ended by itself');
            lastId = item.value.id;
            if (item.value.sync) {
              expect(item.value.data.resync).toBe(false);
              syncPending = false;
            } else received.push((item.value.data as { n: string }).n);
          }
        };
        // The first connect (no id yet) is live from its sync on: it starts before anything is emitted.
        open();
        await take(1);
        let n = 0;
        for (const step of ops) {
          if (step.kind === 'emit') {
            const id = `e${(n += 1)}`;
            await log.append({ to: address[step.to], event: 'thing', data: { n: id } });
            if (step.to === 'me' || step.to === 'all' || step.to === 'my-room') mine.push(id);
          } else if (step.kind === 'burst') {
            const ids = step.to.map((to) => {
              const id = `e${(n += 1)}`;
              if (to === 'me' || to === 'all' || to === 'my-room') mine.push(id);
              return { to, id };
            });
            // A drop and a resume whose first step runs while the appends land, `delay` microtasks in.
            await stream?.return(undefined);
            open();
            let ticks = Promise.resolve();
            for (let i = 0; i < step.delay; i++) ticks = ticks.then(() => {});
            const appends = ticks.then(() => Promise.all(ids.map(({ to, id }) => log.append({ to: address[to], event: 'thing', data: { n: id } }))));
            const first = take(1);
            await Promise.all([appends, first]);
          } else if (step.kind === 'take') await take(step.count);
          else if (step.kind === 'drop') {
            await stream?.return(undefined);
            stream = undefined;
          } else if (!stream) open();
        }
        // Finally the client comes back (if it is away) and reads everything.
        if (!stream) open();
        await take(Number.MAX_SAFE_INTEGER);
        if (!stream) {
          open();
          await take(Number.MAX_SAFE_INTEGER);
        }
        expect(received).toEqual(mine);
        await stream?.return(undefined);
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
