/**
 * Revocation on a real server: `gateway.disconnectUser(id)` closes every socket of that user
 * (every tab, every transport) and nobody else's; afterwards nothing sent to the user or to
 * the user's rooms reaches them, and socket.io-client does not reconnect on its own after a
 * server-side disconnect. next-auth's `events.signOut` is wired to it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { authOptions } from '@/server/auth';
import { gateway } from '@/server/gateway';
import type { MessagePayload } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { userRoom } from 'socket-gateway/advanced';
import { collectEvents, nextDisconnect, nextEvent, settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Bob in two tabs (websocket and polling), both in room `lobby`; alice in `lobby` too. */
async function scene(srv: TestServer) {
  await srv.stores.membership.join('bob', 'lobby', 50);
  await srv.stores.membership.join('alice', 'lobby', 50);
  const bobTab1 = await srv.connectAs('bob');
  const bobTab2 = await srv.connectAs('bob', { transports: ['polling'] });
  const alice = await srv.connectAs('alice');
  return { bobTab1, bobTab2, alice };
}

async function expectBobCutOffAliceServed(srv: TestServer, bobTabs: TestClient[], alice: TestClient) {
  expect(srv.io.of('/').adapter.rooms.get(userRoom('bob'))).toBeUndefined();
  const bobSaw = bobTabs.flatMap((tab) => [collectEvents(tab, 'notification'), collectEvents(tab, 'room:message'), collectEvents(tab, 'announcement')]);
  const aliceRoom = nextEvent(alice, 'room:message');
  const aliceAnnouncement = nextEvent(alice, 'announcement');
  await gateway.emitToUser('bob', 'notification', message('after revocation'));
  await gateway.emitToRoom('lobby', 'room:message', { ...message('lobby after revocation'), room: 'lobby' });
  await gateway.broadcast('announcement', message('everyone after revocation'));
  expect((await aliceRoom).message).toBe('lobby after revocation');
  expect((await aliceAnnouncement).message).toBe('everyone after revocation');
  await settle(300);
  for (const seen of bobSaw) expect(seen).toEqual([]);
  expect(alice.connected).toBe(true);
}

describe('gateway.disconnectUser', () => {
  it("closes every socket of that user, on every transport, and no one else's", async () => {
    server = await startSocketServer();
    const { bobTab1, bobTab2, alice } = await scene(server);
    const closed = Promise.all([nextDisconnect(bobTab1), nextDisconnect(bobTab2)]);

    gateway.disconnectUser('bob');

    expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
    await expectBobCutOffAliceServed(server, [bobTab1, bobTab2], alice);
  });

  it('is not undone by the client: socket.io-client does not reconnect after a server disconnect', async () => {
    server = await startSocketServer();
    const tab = await server.connectAs('bob', { reconnection: true, reconnectionDelay: 50, reconnectionDelayMax: 50 });
    const reconnects: number[] = [];
    tab.io.on('reconnect_attempt', (n) => reconnects.push(n));
    const closed = nextDisconnect(tab);
    gateway.disconnectUser('bob');
    expect(await closed).toBe('io server disconnect');
    await settle(400);
    expect(reconnects).toEqual([]);
    expect(tab.connected).toBe(false);
    expect(server.io.of('/').adapter.rooms.get(userRoom('bob'))).toBeUndefined();
  });

  it('completes silently for a user with no open socket', async () => {
    server = await startSocketServer();
    expect(() => gateway.disconnectUser('nobody-online')).not.toThrow();
  });
});

describe('next-auth events.signOut', () => {
  it('disconnects every socket of the signed-out user (the decoded session token carries the id in sub)', async () => {
    server = await startSocketServer();
    const { bobTab1, bobTab2, alice } = await scene(server);
    const closed = Promise.all([nextDisconnect(bobTab1), nextDisconnect(bobTab2)]);

    await authOptions.events?.signOut?.({ token: { sub: 'bob', name: 'bob' }, session: undefined as never });

    expect(await closed).toEqual(['io server disconnect', 'io server disconnect']);
    await expectBobCutOffAliceServed(server, [bobTab1, bobTab2], alice);
  });

  it('refuses socket tokens issued before the sign-out, even unexpired ones; a token minted after it works', async () => {
    server = await startSocketServer();
    // Minted after the server (and its store) started: a store refuses what predates it (see the memory store).
    const minted = async (userId: string) => (await mintSocketToken(userId)).token;
    const [bobEarlier, aliceEarlier] = await Promise.all([minted('bob'), minted('alice')]);
    const bobTab = await server.connect({ token: bobEarlier });
    const closed = nextDisconnect(bobTab);

    await authOptions.events?.signOut?.({ token: { sub: 'bob', name: 'bob' }, session: undefined as never });

    expect(await closed).toBe('io server disconnect');
    await expect(server.connect({ token: bobEarlier })).rejects.toThrow('Unauthorized');
    expect(server.io.of('/').adapter.rooms.get(userRoom('bob'))).toBeUndefined();
    await expect(server.connect({ token: aliceEarlier })).resolves.toMatchObject({ connected: true }); // other users unaffected
    await expect(server.connectAs('bob')).resolves.toMatchObject({ connected: true }); // signed in again: a fresh token
  });

  it('does nothing (and does not throw) without a user id', async () => {
    server = await startSocketServer();
    const { bobTab1, alice } = await scene(server);
    await authOptions.events?.signOut?.({ token: {}, session: undefined as never });
    await authOptions.events?.signOut?.({ token: null as never, session: undefined as never });
    await settle(100);
    expect(bobTab1.connected).toBe(true);
    expect(alice.connected).toBe(true);
  });
});
