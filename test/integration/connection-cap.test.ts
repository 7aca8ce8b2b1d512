/**
 * Per-user connection cap on a real server: the handshake after the cap is refused with a
 * clear error, the user's open sockets and other users are unaffected, a closed socket frees
 * its slot, and concurrent handshakes cannot overshoot the cap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gateway } from '@/server/gateway';
import { getEnv } from '@/env';
const SOCKET_CONFIG_DEFAULTS = getEnv().socket;
import type { MessagePayload } from '@/events';
import { userRoom } from 'socket-gateway/advanced';
import { nextEvent, settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });
const openSocketsOf = (srv: TestServer, userId: string) => srv.io.of('/').adapter.rooms.get(userRoom(userId))?.size ?? 0;

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('per-user connection cap', () => {
  it(`defaults to ${SOCKET_CONFIG_DEFAULTS.maxConnectionsPerUser}; the next handshake is refused with a clear error; others are unaffected`, async () => {
    server = await startSocketServer();
    const cap = server.limits.maxConnectionsPerUser;
    expect(cap).toBe(10);
    const bobTabs = [];
    for (let i = 0; i < cap; i += 1) bobTabs.push(await server.connectAs('bob'));
    expect(openSocketsOf(server, 'bob')).toBe(cap);

    await expect(server.connectAs('bob')).rejects.toThrow(`Too many connections: at most ${cap} per user`);
    await expect(server.connectAs('bob', { transports: ['polling'] })).rejects.toThrow('Too many connections');
    expect(openSocketsOf(server, 'bob')).toBe(cap);

    // Bob's open tabs still receive; alice connects and receives as usual.
    const allTabs = Promise.all(bobTabs.map((tab) => nextEvent(tab, 'notification')));
    await gateway.emitToUser('bob', 'notification', message('to every tab'));
    expect((await allTabs).map((m) => m.message)).toEqual(Array(cap).fill('to every tab'));
    const alice = await server.connectAs('alice');
    const aliceGot = nextEvent(alice, 'notification');
    await gateway.emitToUser('alice', 'notification', message('alice unaffected'));
    expect((await aliceGot).message).toBe('alice unaffected');
  });

  it('frees a slot when a socket closes', async () => {
    server = await startSocketServer({ maxConnectionsPerUser: 2 });
    const first = await server.connectAs('carol');
    await server.connectAs('carol');
    await expect(server.connectAs('carol')).rejects.toThrow('Too many connections: at most 2 per user');

    first.disconnect();
    await settle(100);
    expect(openSocketsOf(server, 'carol')).toBe(1);
    const replacement = await server.connectAs('carol');
    expect(replacement.connected).toBe(true);
    expect(openSocketsOf(server, 'carol')).toBe(2);
  });

  it('holds under concurrent handshakes: exactly the cap succeed', async () => {
    server = await startSocketServer({ maxConnectionsPerUser: 5 });
    const srv = server;
    const results = await Promise.allSettled(Array.from({ length: 15 }, () => srv.connectAs('dave')));
    const connected = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(connected).toHaveLength(5);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(String(r.reason)).toContain('Too many connections');
    expect(openSocketsOf(srv, 'dave')).toBe(5);
    // Another user is not limited by dave's sockets.
    await expect(srv.connectAs('erin')).resolves.toMatchObject({ connected: true });
  });
});
