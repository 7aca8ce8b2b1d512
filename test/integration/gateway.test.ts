/**
 * SocketGateway's API, through real parts: a Socket.IO server on port 0, the memory stores and
 * event log, real socket.io-client connections. What is asserted is what the clients receive and
 * which sockets are in which room, never which calls the gateway made. "Nothing else arrived" is
 * shown with a marker sent afterwards (test/helpers/inbox.ts), not by sleeping.
 * (The design note's Properties 3 and 4 over generated ids: test/property/gateway-properties.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SocketGateway } from 'socket-gateway';
import type { AppEvents } from '@/events';
import type { MessagePayload } from '@/events';
import { createInbox, type Inbox } from '../helpers/inbox';
import { nextDisconnect, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const payload: MessagePayload = { id: '1', from: 'alice', message: 'hi', sentAt: 1 };

/** A deadline for a condition (a room move), generous for a busy machine. */
const WAIT = { timeout: 10_000 };

let server: TestServer;
let gateway: SocketGateway<AppEvents>;
beforeAll(async () => {
  server = await startSocketServer({ register: false });
  gateway = new SocketGateway<AppEvents>(() => server);
});
afterAll(() => server.stop());

/** Open tabs, closed after each test. */
let open: TestClient[] = [];
afterEach(() => {
  for (const client of open) client.disconnect();
  open = [];
});
async function tab(userId: string): Promise<{ client: TestClient; inbox: Inbox; userId: string; id: string }> {
  const client = await server.connectAs(userId);
  open.push(client);
  return { client, inbox: createInbox(client), userId, id: client.id! };
}
const drain = (t: { inbox: Inbox; userId: string }) => t.inbox.drain(gateway, t.userId);
/** Which of this node's sockets are in `room`. */
const membersOf = (room: string) => [...(server.io.of('/').adapter.rooms.get(room) ?? [])].sort();
// A client that does not opt into replay receives exactly the payload, one argument (the design note's contract).
const received = (event: string, data: unknown) => ({ event, args: [data] });

describe('SocketGateway → real sockets', () => {
  it('emitToUser reaches every tab of that user (room user:{id}) with the exact event and payload, and no one else', async () => {
    const [bob1, bob2, carol] = [await tab('bob'), await tab('bob'), await tab('carol')];
    await gateway.emitToUser('bob', 'notification', payload);
    expect(await drain(bob1)).toEqual([received('notification', payload)]);
    expect(await drain(bob2)).toEqual([received('notification', payload)]);
    expect(await drain(carol)).toEqual([]);
  });

  it('emitToRoom reaches only the sockets in that room', async () => {
    const [member, sameUserOutside, stranger] = [await tab('bob'), await tab('bob'), await tab('carol')];
    gateway.joinRoom(member.id, 'lobby');
    await vi.waitFor(() => expect(membersOf('lobby')).toEqual([member.id]), WAIT);
    const roomMessage = { ...payload, room: 'lobby' };
    await gateway.emitToRoom('lobby', 'room:message', roomMessage);
    await gateway.emitToRoom('other', 'room:message', { ...payload, room: 'other' });
    expect(await drain(member)).toEqual([received('room:message', roomMessage)]);
    expect(await drain(sameUserOutside)).toEqual([]);
    expect(await drain(stranger)).toEqual([]);
  });

  it('broadcast reaches every socket', async () => {
    const tabs = [await tab('bob'), await tab('carol')];
    await gateway.broadcast('announcement', payload);
    for (const t of tabs) expect(await drain(t)).toEqual([received('announcement', payload)]);
  });

  it('joinRoom and leaveRoom move exactly that socket, not the other tab of its user', async () => {
    const [moved, other] = [await tab('bob'), await tab('bob')];
    gateway.joinRoom(moved.id, 'lobby');
    await vi.waitFor(() => expect(membersOf('lobby')).toEqual([moved.id]), WAIT);
    expect(server.io.of('/').sockets.get(other.id)?.rooms.has('lobby')).toBe(false);
    gateway.leaveRoom(moved.id, 'lobby');
    await vi.waitFor(() => expect(membersOf('lobby')).toEqual([]), WAIT);
    await gateway.emitToRoom('lobby', 'room:message', { ...payload, room: 'lobby' });
    expect(await drain(moved)).toEqual([]);
    expect(await drain(other)).toEqual([]);
  });

  it('addUserToRoom, removeUserFromRoom and disconnectUser act on every socket of that user, and on no other', async () => {
    const [bob1, bob2, carol] = [await tab('bob'), await tab('bob'), await tab('carol')];
    gateway.addUserToRoom('bob', 'lobby');
    await vi.waitFor(() => expect(membersOf('lobby')).toEqual([bob1.id, bob2.id].sort()), WAIT);
    gateway.removeUserFromRoom('bob', 'lobby');
    await vi.waitFor(() => expect(membersOf('lobby')).toEqual([]), WAIT);
    const closed = [nextDisconnect(bob1.client), nextDisconnect(bob2.client)];
    gateway.disconnectUser('bob');
    expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
    expect(carol.client.connected).toBe(true);
    expect(await drain(carol)).toEqual([]);
  });

  it('refuses reserved or malformed rooms and empty ids, and changes nothing', async () => {
    const bob = await tab('bob');
    const roomsBefore = [...server.io.of('/').adapter.rooms.keys()].sort();
    expect(() => gateway.joinRoom(bob.id, 'user:alice')).toThrow(/reserved/);
    expect(() => gateway.addUserToRoom('bob', 'has space')).toThrow(TypeError);
    expect(() => gateway.emitToRoom('has space', 'room:message', { ...payload, room: 'x' })).toThrow(TypeError);
    expect(() => gateway.emitToUser('', 'notification', payload)).toThrow(/userId/);
    expect(() => gateway.leaveRoom('', 'lobby')).toThrow(/socketId/);
    expect([...server.io.of('/').adapter.rooms.keys()].sort()).toEqual(roomsBefore);
    expect(await drain(bob)).toEqual([]);
  });

  it('throws a clear configuration error when no socket server is running', () => {
    expect(() => new SocketGateway<AppEvents>().broadcast('announcement', payload)).toThrow(/not running.*server\.ts/s);
  });
});

describe('payload checks against the event schemas', () => {
  const withChecks = (validatePayloads: boolean) => new SocketGateway<AppEvents>(() => ({ ...server, validatePayloads }));
  // Passed through a variable, an object with extra or missing fields compiles: the schema catches it.
  const leaky = { ...payload, passwordHash: 'x' } as MessagePayload;
  const missing = { id: '1', from: 'alice' } as MessagePayload;

  it('in development and tests, an emit whose payload does not match its schema throws and sends nothing', async () => {
    const checked = withChecks(true);
    const bob = await tab('bob');
    expect(() => checked.emitToUser('bob', 'notification', leaky)).toThrow(/Payload of "notification" does not match its schema.*passwordHash/);
    expect(() => checked.broadcast('announcement', missing)).toThrow(/message/);
    expect(() => checked.emitToRoom('lobby', 'room:message', payload as never)).toThrow(/room/);
    expect(await drain(bob)).toEqual([]);
    await checked.emitToUser('bob', 'notification', payload);
    expect(await drain(bob)).toEqual([received('notification', payload)]);
  });

  it('with checks off (production default), payloads pass through untouched', async () => {
    const unchecked = withChecks(false);
    const bob = await tab('bob');
    await unchecked.emitToUser('bob', 'notification', leaky);
    expect(await drain(bob)).toEqual([received('notification', leaky)]);
  });
});
