/**
 * One-way means one-way: what a client sends has no effect; a client that floods, sends an
 * oversized packet or malformed packets is disconnected, while a well-behaved client on the
 * same server keeps receiving. The abuser speaks the wire format directly (raw `ws`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gateway } from '@/socket-gateway';
import { SOCKET_CONFIG_DEFAULTS } from '@/socket-gateway/config';
import type { MessagePayload } from '@/socket-gateway/events';
import { mintSocketToken } from '@/socket-gateway/auth';
import { userRoom } from '@/socket-gateway/rooms';
import { connectRaw, eventFrame, openRaw, pollingRequest, type RawClient } from '../helpers/raw-client';
import { collectEvents, nextEvent, settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

let server: TestServer | undefined;
const raws: RawClient[] = [];

afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await server?.stop();
  server = undefined;
});

async function rawAs(srv: TestServer, userId: string): Promise<RawClient> {
  const raw = await connectRaw(srv.url, { token: (await mintSocketToken(userId)).token });
  raws.push(raw);
  return raw;
}

/** The server still serves: the bystander receives, and a brand-new client connects and receives. */
async function expectServerHealthy(srv: TestServer, bystander: TestClient, label: string): Promise<void> {
  const received = nextEvent(bystander, 'notification');
  gateway.emitToUser('bob', 'notification', message(`after ${label}`));
  expect((await received).message).toBe(`after ${label}`);
  const fresh = await srv.connectAs('carol');
  const freshReceived = nextEvent(fresh, 'notification');
  gateway.emitToUser('carol', 'notification', message(`fresh after ${label}`));
  expect((await freshReceived).message).toBe(`fresh after ${label}`);
  fresh.disconnect();
}

/** Frames the raw client received that are Socket.IO packets for the app (not the open/connect handshake). */
const appFrames = (raw: RawClient) => raw.messages.filter((frame) => !frame.startsWith('0{') && !frame.startsWith('40'));

describe('client → server events have no effect', () => {
  it('ignores events (with or without an ack id): no reply, no room joined, nothing relayed, still connected', async () => {
    server = await startSocketServer();
    const bob = await server.connectAs('bob');
    const bobSaw = collectEvents(bob, 'notification');
    const alice = await rawAs(server, 'alice');

    alice.send(eventFrame('notification', { toUserId: 'bob', message: 'spoofed' }));
    alice.send(eventFrame('join', 'lobby'));
    alice.send(`421${JSON.stringify(['room.join', { room: 'lobby' }])}`); // with ack id 1
    alice.send(`4212${JSON.stringify(['announcement', message('fake')])}`); // ack id 12
    alice.send('42[42,"a number is a valid event name"]');
    await settle(300);

    expect(appFrames(alice)).toEqual([]); // no ack, no error reply
    expect(alice.isClosed()).toBe(false);
    expect(bobSaw).toEqual([]);
    const aliceSockets = await server.io.in(userRoom('alice')).fetchSockets();
    expect(aliceSockets).toHaveLength(1);
    expect([...(aliceSockets[0]?.rooms ?? [])].sort()).toEqual([aliceSockets[0]?.id, userRoom('alice')].sort());
    expect(server.io.of('/').adapter.rooms.has('lobby')).toBe(false);

    // And the server still talks to her.
    gateway.emitToUser('alice', 'notification', message('still here'));
    const frame = await alice.waitFor((f) => f.startsWith('42'));
    expect(JSON.parse(frame.slice(2))).toEqual(['notification', expect.objectContaining({ message: 'still here' })]);
  });
});

describe('flood limit', () => {
  it(`keeps a client that sends exactly the limit (${SOCKET_CONFIG_DEFAULTS.floodMaxEvents} in the window) and disconnects it on the next one`, async () => {
    server = await startSocketServer();
    expect(server.config.floodMaxEvents).toBe(SOCKET_CONFIG_DEFAULTS.floodMaxEvents);
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice');

    // The CONNECT was packet 1 of this connection; fill up to the limit.
    for (let i = 1; i < server.config.floodMaxEvents; i += 1) alice.send(eventFrame('ping', i));
    await settle(300);
    expect(alice.isClosed()).toBe(false);

    alice.send(eventFrame('ping', 'one too many'));
    await alice.closed();
    expect(await server.io.in(userRoom('alice')).fetchSockets()).toHaveLength(0);
    await expectServerHealthy(server, bob, 'flood');
  });

  it('honours a configured limit and counts every kind of packet (acks, other namespaces, noops)', async () => {
    server = await startSocketServer({ floodMaxEvents: 4, floodWindowMs: 60_000 });
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice'); // 1: CONNECT
    alice.send('43999[]'); // 2: an ACK for nothing
    alice.send('40/admin,{}'); // 3: a CONNECT to a namespace that does not exist
    alice.send('6'); // 4: an Engine.IO noop
    await alice.waitFor((frame) => frame.startsWith('44/admin,'));
    await settle(200);
    expect(alice.isClosed()).toBe(false);
    alice.send('43998[]'); // 5
    await alice.closed();
    await expectServerHealthy(server, bob, 'ack flood');
  });

  it('disconnects an unauthenticated client that floods CONNECT attempts', async () => {
    server = await startSocketServer({ floodMaxEvents: 5 });
    const bob = await server.connectAs('bob');
    const raw = await openRaw(server.url);
    raws.push(raw);
    await raw.waitFor((frame) => frame.startsWith('0{'));
    for (let i = 0; i < 50; i += 1) raw.send(`40${JSON.stringify({ token: `guess-${i}` })}`);
    await raw.closed();
    const refusals = raw.messages.filter((frame) => frame.startsWith('44'));
    expect(refusals.length).toBeLessThanOrEqual(5);
    await expectServerHealthy(server, bob, 'connect flood');
  });

  it('counts per window: the same number of events spread over two windows is fine', async () => {
    server = await startSocketServer({ floodMaxEvents: 5, floodWindowMs: 400 });
    const alice = await rawAs(server, 'alice'); // 1
    for (let i = 0; i < 4; i += 1) alice.send(eventFrame('e', i)); // 5
    await settle(500);
    for (let i = 0; i < 5; i += 1) alice.send(eventFrame('e', i)); // 5 in the new window
    await settle(200);
    expect(alice.isClosed()).toBe(false);
  });
});

describe('packet size cap (maxHttpBufferSize)', () => {
  const frameOfSize = (bytes: number) => {
    const head = '42["big","';
    const tail = '"]';
    return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
  };

  it(`defaults to ${SOCKET_CONFIG_DEFAULTS.maxPayloadBytes} bytes: a frame at the cap is ignored, one byte over disconnects`, async () => {
    server = await startSocketServer();
    expect(server.config.maxPayloadBytes).toBe(16 * 1024);
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice');

    alice.send(frameOfSize(server.config.maxPayloadBytes));
    await settle(300);
    expect(alice.isClosed()).toBe(false);

    alice.send(frameOfSize(server.config.maxPayloadBytes + 1));
    expect(await alice.closed()).toBe(1009); // "message too big"
    await expectServerHealthy(server, bob, 'oversize');
  });

  it('refuses an oversized polling POST and closes that session', async () => {
    server = await startSocketServer({ maxPayloadBytes: 1024 });
    const bob = await server.connectAs('bob');
    const open = await pollingRequest(server.url);
    expect(open.status).toBe(200);
    const { sid } = JSON.parse(open.body.slice(1)) as { sid: string };

    const tooBig = await pollingRequest(server.url, { method: 'POST', query: { sid }, body: frameOfSize(2048) });
    expect(tooBig.status).toBe(413);
    const after = await pollingRequest(server.url, { query: { sid } });
    expect(after.status).toBe(400); // the session is gone: "Session ID unknown"
    await expectServerHealthy(server, bob, 'oversized poll');
  });
});

describe('malformed packets', () => {
  const malformed: Array<[string, string | Buffer | Array<string | Buffer>]> = [
    ['an unknown Engine.IO packet type', '9hello'],
    ['a client ping (wrong heartbeat direction)', '2'],
    ['an empty frame', ''],
    ['an unknown Socket.IO packet type', '49'],
    ['broken JSON', '42["unterminated'],
    ['an event that is not an array', '42{"not":"an array"}'],
    ['an event whose name is an object', '42[{"a":1},"x"]'],
    ['a second CONNECT to a namespace already joined', '40{"token":"again"}'],
    ['an empty event array', '42[]'],
    ['a CONNECT_ERROR sent by a client', '44{"message":"x"}'],
    ['a CONNECT with a non-object auth', '40"token"'],
    ['too many binary attachments', '4511-["x",{"_placeholder":true,"num":0}]'],
    ['an illegal attachment count', '45abc-["x"]'],
    ['text while a binary packet awaits its attachment', ['451-["x",{"_placeholder":true,"num":0}]', '42["x"]']],
    ['binary data when no binary packet is pending', Buffer.from([1, 2, 3, 255])],
    ['a namespace with no payload terminator', '42/admin'],
  ];

  it.each(malformed)('survives %s: the abuser is disconnected, others keep receiving', async (_label, frame) => {
    server ??= await startSocketServer();
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice');

    for (const part of [frame].flat()) alice.send(part);
    await alice.closed();
    expect(await server.io.in(userRoom('alice')).fetchSockets()).toHaveLength(0);
    await expectServerHealthy(server, bob, JSON.stringify(_label));
  });

  it('stays up through a burst of every malformed packet, unauthenticated and authenticated', async () => {
    server = await startSocketServer();
    const bob = await server.connectAs('bob');
    for (const [, frame] of malformed) {
      const anonymous = await openRaw(server.url);
      raws.push(anonymous);
      await anonymous.waitFor((f) => f.startsWith('0{'));
      for (const part of [frame].flat()) anonymous.send(part);
      const alice = await rawAs(server, 'alice');
      for (const part of [frame].flat()) alice.send(part);
      // Before authenticating, some of these are merely a refused CONNECT; after, all are fatal.
      await alice.closed();
    }
    await expectServerHealthy(server, bob, 'burst');
  });
});
