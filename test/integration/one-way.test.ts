/**
 * One-way means one-way: what a client sends has no effect, and a client that sends
 * malformed packets is disconnected while a well-behaved client on the same server keeps
 * receiving. The abuser speaks the wire format directly (raw `ws`).
 */
import { describe, expect, it } from 'vitest';
import { userRoom } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { appFrames, expectServerHealthy, message, useAbuseScene } from '../helpers/abuse-scene';
import { eventFrame, openRaw } from '../helpers/raw-client';
import { collectEvents, settle, startSocketServer } from '../helpers/socket-server';

const { scene, rawAs } = useAbuseScene();

describe('client → server events have no effect', () => {
  it('ignores events (with or without an ack id): no reply, no room joined, nothing relayed, still connected', async () => {
    const server = (scene.server = await startSocketServer());
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
    // (`#plain`: the node-local marker of a client that did not opt into replay, replay-opt-in.ts.)
    expect([...(aliceSockets[0]?.rooms ?? [])].sort()).toEqual([aliceSockets[0]?.id, userRoom('alice'), '#plain'].sort());
    expect(server.io.of('/').adapter.rooms.has('lobby')).toBe(false);

    // And the server still talks to her.
    await gateway.emitToUser('alice', 'notification', message('still here'));
    const frame = await alice.waitFor((f) => f.startsWith('42["notification"'));
    // Exactly the payload: she did not opt into replay (docs/replay-protocol.md).
    expect(JSON.parse(frame.slice(2))).toEqual(['notification', expect.objectContaining({ message: 'still here' })]);
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
    const server = (scene.server ??= await startSocketServer());
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice');

    for (const part of [frame].flat()) alice.send(part);
    await alice.closed();
    expect(await server.io.in(userRoom('alice')).fetchSockets()).toHaveLength(0);
    await expectServerHealthy(server, bob, JSON.stringify(_label));
  });

  it('stays up through a burst of every malformed packet, unauthenticated and authenticated', async () => {
    const server = (scene.server = await startSocketServer());
    const bob = await server.connectAs('bob');
    for (const [, frame] of malformed) {
      const anonymous = await openRaw(server.url);
      scene.raws.push(anonymous);
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
