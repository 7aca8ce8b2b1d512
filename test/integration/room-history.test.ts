/**
 * Room history and "to others" through the real appRouter (createCaller with a hand-built
 * context, as the route handler builds it) against a real socket server with real clients:
 * room.history is members only and bounded per room, and room.post keeps every post and pushes
 * it to every member's tab except the one whose socket id came with the call.
 */
import type { Session } from 'next-auth';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCaller } from '@/server/trpc/root';
import { parseSocketId } from 'socket-gateway';
import { collectEvents, settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const HISTORY_LIMIT = 5;
let server: TestServer;

function session(id: string): Session {
  return { user: { id, name: id, role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() };
}
const as = (id: string, socketId?: string) => createCaller({ session: session(id), ...(socketId ? { socketId } : {}) });

beforeAll(async () => {
  server = await startSocketServer({ roomHistoryLimit: HISTORY_LIMIT });
});
afterAll(() => server.stop());

async function refusal(call: Promise<unknown>): Promise<TRPCError> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return error as TRPCError;
}

describe('room.history', () => {
  it('is for members only: FORBIDDEN before joining and after leaving, the messages in between', async () => {
    await as('bob').room.join({ room: 'members-only' });
    await as('bob').room.post({ room: 'members-only', message: 'bob was here' });

    const before = await refusal(as('alice').room.history({ room: 'members-only' }));
    expect(before.code).toBe('FORBIDDEN');
    expect(before.message).toBe('Join members-only to read its messages');

    await as('alice').room.join({ room: 'members-only' });
    const { messages, nextBefore } = await as('alice').room.history({ room: 'members-only' });
    expect(messages).toEqual([expect.objectContaining({ from: 'bob', message: 'bob was here', room: 'members-only' })]);
    expect(nextBefore).toBeNull();

    await as('alice').room.leave({ room: 'members-only' });
    expect((await refusal(as('alice').room.history({ room: 'members-only' }))).code).toBe('FORBIDDEN');
  });

  it(`keeps the newest ${HISTORY_LIMIT} posts of a room, oldest first, and pages back with before`, async () => {
    const carol = as('carol');
    await carol.room.join({ room: 'bounded' });
    const posted = [];
    for (let i = 1; i <= 8; i += 1) posted.push(await carol.room.post({ room: 'bounded', message: `post ${i}` }));

    const all = await carol.room.history({ room: 'bounded' });
    expect(all.messages).toEqual(posted.slice(-HISTORY_LIMIT)); // exactly what room.post answered, ids included
    expect(all.nextBefore).toBeNull(); // the three oldest are gone for good

    const newest = await carol.room.history({ room: 'bounded', limit: 2 });
    expect(newest.messages.map((m) => m.message)).toEqual(['post 7', 'post 8']);
    expect(newest.nextBefore).toEqual(expect.any(Number));
    const older = await carol.room.history({ room: 'bounded', limit: 2, before: newest.nextBefore! });
    expect(older.messages.map((m) => m.message)).toEqual(['post 5', 'post 6']);
    const oldest = await carol.room.history({ room: 'bounded', limit: 2, before: older.nextBefore! });
    expect(oldest.messages.map((m) => m.message)).toEqual(['post 4']);
    expect(oldest.nextBefore).toBeNull();

    // A bigger page than the bound is still the bound; rooms are kept apart.
    expect((await carol.room.history({ room: 'bounded', limit: 1_000 })).messages).toHaveLength(HISTORY_LIMIT);
    await carol.room.join({ room: 'other' });
    expect((await carol.room.history({ room: 'other' })).messages).toEqual([]);
  });

  it('refuses a malformed cursor or page size with BAD_REQUEST', async () => {
    for (const input of [{ before: 0 }, { before: 1.5 }, { limit: 0 }, { before: -1 }]) {
      expect((await refusal(as('carol').room.history({ room: 'bounded', ...input }))).code).toBe('BAD_REQUEST');
    }
  });

  it('a refused post is not kept', async () => {
    await as('bob').room.join({ room: 'closed' });
    await refusal(as('mallory').room.post({ room: 'closed', message: 'sneaky' }));
    expect((await as('bob').room.history({ room: 'closed' })).messages).toEqual([]);
  });
});

describe('room.post "to others"', () => {
  it("skips the posting tab only: the poster's other tab and the other members get it once", async () => {
    await as('alice').room.join({ room: 'to-others' });
    await as('bob').room.join({ room: 'to-others' });
    const [aliceTab1, aliceTab2, bobTab] = await Promise.all([server.connectAs('alice'), server.connectAs('alice'), server.connectAs('bob')]);
    const seen = [aliceTab1, aliceTab2, bobTab].map((client) => collectEvents(client, 'room:message'));

    const posted = await as('alice', aliceTab1.id).room.post({ room: 'to-others', message: 'from tab 1' });
    await vi.waitFor(() => expect(seen[2]).toHaveLength(1));
    await settle(300); // time for a wrong delivery to tab 1 to show up
    expect(seen[0]).toEqual([]);
    expect(seen[1]).toEqual([posted]);
    expect(seen[2]).toEqual([posted]);

    // Without a socket id (a script, a tab whose socket is not connected yet), every tab gets it.
    const plain = await as('alice').room.post({ room: 'to-others', message: 'no socket id' });
    await settle(300);
    expect(seen.map((list) => list.at(-1))).toEqual([plain, plain, plain]);
  });

  it('the tRPC context takes a socket id only when it looks like one', () => {
    expect(parseSocketId('AbC_d-0123456789xyzQ')).toBe('AbC_d-0123456789xyzQ');
    for (const bad of [undefined, '', 'a b', 'x'.repeat(65), 'id,other', 'é', 42, null]) expect(parseSocketId(bad)).toBeUndefined();
  });
});
