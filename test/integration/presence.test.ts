/**
 * Presence: whether a user has a socket open anywhere, from the presence store (not
 * fetchSockets), and live `presence:changed` events to the rooms of a user who comes online
 * (first socket) or goes offline (last socket). Real server, real clients.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCaller } from '@/server/trpc/root';
import { gateway, type PresenceChange } from '@/socket-gateway';
import { collectEvents, settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const as = (id: string) =>
  createCaller({ session: { user: { id, name: id, role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() } });

let server: TestServer;
beforeAll(async () => {
  server = await startSocketServer();
});
afterAll(() => server.stop());

describe('presence', () => {
  it('tells a room live when a member comes online (first tab) and goes offline (last tab)', async () => {
    await as('alice').room.join({ room: 'team' });
    await as('bob').room.join({ room: 'team' });
    const alice = await server.connectAs('alice');
    await settle(100);
    const seen = collectEvents(alice, 'presence:changed') as PresenceChange[];

    const bob1 = await server.connectAs('bob');
    await vi.waitFor(() => expect(seen).toEqual([{ room: 'team', userId: 'bob', online: true }]));
    const bob2 = await server.connectAs('bob'); // a second tab: no news
    bob1.disconnect(); // one tab left: no news
    await settle(200);
    expect(seen).toHaveLength(1);
    expect(await gateway.isOnline('bob')).toBe(true);

    bob2.disconnect();
    await vi.waitFor(() =>
      expect(seen).toEqual([
        { room: 'team', userId: 'bob', online: true },
        { room: 'team', userId: 'bob', online: false },
      ]),
    );
    expect(await gateway.isOnline('bob')).toBe(false);
  });

  it('presence.room lists members with their state (members only); presence.user answers for one user', async () => {
    await as('carol').room.join({ room: 'desk' });
    await as('dave').room.join({ room: 'desk' });
    const carol = await server.connectAs('carol');
    expect(await as('carol').presence.room({ room: 'desk' })).toEqual({
      members: [
        { userId: 'carol', online: true },
        { userId: 'dave', online: false },
      ],
    });
    await expect(as('eve').presence.room({ room: 'desk' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await as('eve').presence.user({ userId: 'carol' })).toEqual({ userId: 'carol', online: true });
    carol.disconnect();
    await vi.waitFor(async () => expect(await as('eve').presence.user({ userId: 'carol' })).toEqual({ userId: 'carol', online: false }));
    expect(await gateway.areOnline(['carol', 'dave', 'nobody'])).toEqual([false, false, false]);
  });
});
