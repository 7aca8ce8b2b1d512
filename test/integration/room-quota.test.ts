/**
 * A user may open (join as the first member) at most ROOMS_CREATED_PER_HOUR new rooms an hour
 * (red-team round 3, F6: join, post 100, leave, repeat kept ~10 GB of history a day per user).
 * Through the real appRouter against a real socket server and a real connected client: the
 * refusal is TOO_MANY_REQUESTS with a retry hint, and changes nothing.
 */
import { TRPCError } from '@trpc/server';
import type { Session } from 'next-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getEnv } from '@/env';
import { createCaller } from '@/server/trpc/root';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const PER_HOUR = getEnv().roomsCreatedPerHour;
const session = (id: string): Session => ({
  user: { id, name: id, role: 'user' },
  expires: new Date(Date.now() + 3_600_000).toISOString(),
  signedInAt: Date.now(),
});
const as = (id: string) => createCaller({ session: session(id) });

let server: TestServer;
beforeAll(async () => {
  server = await startSocketServer();
});
afterAll(() => server.stop());

describe(`room.join: at most ${PER_HOUR} new rooms per user per hour`, () => {
  it('the next new room is TOO_MANY_REQUESTS with a retry hint and changes nothing; joining rooms that have members still works', async () => {
    const opener = as('opener');
    const socket = await server.connectAs('opener');
    const received: string[] = [];
    socket.onAny((event: string) => received.push(event));
    for (let i = 0; i < PER_HOUR; i++) await opener.room.join({ room: `new-${i}` });
    // Leaving and joining again (the history of a left room is kept for a while): a room it opens again counts again.
    await opener.room.leave({ room: 'new-0' });

    const error = await opener.room.join({ room: 'one-too-many' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('TOO_MANY_REQUESTS');
    expect((error as TRPCError).message).toMatch(/^Too many new rooms: try again in \d+ s$/);
    await expect(opener.room.join({ room: 'new-0' })).rejects.toThrow(/Too many new rooms/); // empty again: opening it counts
    expect(await server.stores.membership.roomsOf('opener')).toEqual(Array.from({ length: PER_HOUR - 1 }, (_, i) => `new-${i + 1}`).sort());
    expect(await server.stores.membership.countMembers('one-too-many')).toBe(0);

    // A room with members is not a new room: no quota.
    await as('host').room.join({ room: 'busy' });
    await expect(opener.room.join({ room: 'busy' })).resolves.toMatchObject({ room: 'busy' });
    // Others have their own quota.
    await expect(as('someone-else').room.join({ room: 'one-too-many' })).resolves.toMatchObject({ room: 'one-too-many' });
    await settle(100);
    // The refused joins moved no socket and sent nothing: only what took effect told the tab (the
    // PER_HOUR new rooms, leaving new-0 and joining busy), each with one membership:changed.
    expect(received).toEqual(Array<string>(PER_HOUR + 2).fill('membership:changed'));
  });
});
