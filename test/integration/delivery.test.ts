/** What the gateway delivers, to whom: real server on port 0, real clients, the real `gateway` singleton. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gateway } from '@/server/gateway';
import type { MessagePayload } from '@/events';
import { collectEvents, nextEvent, settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

let server: TestServer;
beforeEach(async () => {
  server = await startSocketServer();
});
afterEach(() => server.stop());

describe('emitToUser', () => {
  it('reaches every tab of that user and nobody else', async () => {
    const [bobTab1, bobTab2, carol] = await Promise.all([server.connectAs('bob'), server.connectAs('bob'), server.connectAs('carol')]);
    const carolSaw = collectEvents(carol, 'notification');
    const received = Promise.all([nextEvent(bobTab1, 'notification'), nextEvent(bobTab2, 'notification')]);
    await gateway.emitToUser('bob', 'notification', message('for bob'));
    expect(await received).toEqual([message('for bob'), message('for bob')].map((m) => ({ ...m, sentAt: expect.any(Number) })));
    await settle();
    expect(carolSaw).toEqual([]);
  });

  it('completes silently for an offline user', async () => {
    await expect(gateway.emitToUser('nobody-online', 'notification', message('lost'))).resolves.toBeUndefined();
  });
});

describe('rooms', () => {
  it('emitToRoom reaches members only; leaveRoom stops delivery', async () => {
    const [alice, bob] = await Promise.all([server.connectAs('alice'), server.connectAs('bob')]);
    gateway.joinRoom(alice.id ?? '', 'lobby');
    await settle(50);
    const bobSaw = collectEvents(bob, 'room:message');

    const first = nextEvent(alice, 'room:message');
    await gateway.emitToRoom('lobby', 'room:message', { ...message('one'), room: 'lobby' });
    expect(await first).toMatchObject({ message: 'one', room: 'lobby' });

    gateway.leaveRoom(alice.id ?? '', 'lobby');
    await settle(50);
    const aliceSaw = collectEvents(alice, 'room:message');
    await gateway.emitToRoom('lobby', 'room:message', { ...message('two'), room: 'lobby' });
    await settle();
    expect(aliceSaw).toEqual([]);
    expect(bobSaw).toEqual([]);
  });

  it('addUserToRoom joins every open socket of the user', async () => {
    const [tab1, tab2] = await Promise.all([server.connectAs('alice'), server.connectAs('alice')]);
    gateway.addUserToRoom('alice', 'team');
    await settle(50);
    const received = Promise.all([nextEvent(tab1, 'room:message'), nextEvent(tab2, 'room:message')]);
    await gateway.emitToRoom('team', 'room:message', { ...message('hi team'), room: 'team' });
    expect((await received).map((m) => m.message)).toEqual(['hi team', 'hi team']);
  });

  it('completes silently for an empty room', async () => {
    await expect(gateway.emitToRoom('empty', 'room:message', { ...message('x'), room: 'empty' })).resolves.toBeUndefined();
  });
});

describe('broadcast', () => {
  it('reaches every connected socket', async () => {
    const clients = await Promise.all(['alice', 'bob', 'carol', 'admin'].map((id) => server.connectAs(id)));
    const received = Promise.all(clients.map((client) => nextEvent(client, 'announcement')));
    await gateway.broadcast('announcement', message('all hands'));
    expect((await received).map((m) => m.message)).toEqual(Array(4).fill('all hands'));
  });
});
