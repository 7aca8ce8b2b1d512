/**
 * The flood limit and the packet size cap: a client that sends too many packets or an
 * oversized one is disconnected, while a well-behaved client on the same server keeps
 * receiving. The abuser speaks the wire format directly (raw `ws`).
 */
import { describe, expect, it } from 'vitest';
import { getEnv } from '@/env';
import { userRoom } from 'socket-gateway/advanced';
import { expectServerHealthy, useAbuseScene } from '../helpers/abuse-scene';
import { eventFrame, openRaw, pollingRequest } from '../helpers/raw-client';
import { settle, startSocketServer } from '../helpers/socket-server';

const SOCKET_CONFIG_DEFAULTS = getEnv().socket;
const { scene, rawAs } = useAbuseScene();

describe('flood limit', () => {
  it(`keeps a client that sends exactly the limit (${SOCKET_CONFIG_DEFAULTS.floodMaxEvents} in the window) and disconnects it on the next one`, async () => {
    const server = (scene.server = await startSocketServer());
    expect(server.limits.floodMaxEvents).toBe(SOCKET_CONFIG_DEFAULTS.floodMaxEvents);
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice');

    // The CONNECT was packet 1 of this connection; fill up to the limit.
    for (let i = 1; i < server.limits.floodMaxEvents; i += 1) alice.send(eventFrame('ping', i));
    await settle(300);
    expect(alice.isClosed()).toBe(false);

    alice.send(eventFrame('ping', 'one too many'));
    await alice.closed();
    expect(await server.io.in(userRoom('alice')).fetchSockets()).toHaveLength(0);
    await expectServerHealthy(server, bob, 'flood');
  });

  it('honours a configured limit and counts every kind of packet (acks, other namespaces, noops)', async () => {
    const server = (scene.server = await startSocketServer({ floodMaxEvents: 4, floodWindowMs: 60_000 }));
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
    const server = (scene.server = await startSocketServer({ floodMaxEvents: 5 }));
    const bob = await server.connectAs('bob');
    const raw = await openRaw(server.url);
    scene.raws.push(raw);
    await raw.waitFor((frame) => frame.startsWith('0{'));
    for (let i = 0; i < 50; i += 1) raw.send(`40${JSON.stringify({ token: `guess-${i}` })}`);
    await raw.closed();
    const refusals = raw.messages.filter((frame) => frame.startsWith('44'));
    expect(refusals.length).toBeLessThanOrEqual(5);
    await expectServerHealthy(server, bob, 'connect flood');
  });

  it('counts per window: the same number of events spread over two windows is fine', async () => {
    const server = (scene.server = await startSocketServer({ floodMaxEvents: 5, floodWindowMs: 400 }));
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
    const server = (scene.server = await startSocketServer());
    expect(server.limits.maxPayloadBytes).toBe(16 * 1024);
    const bob = await server.connectAs('bob');
    const alice = await rawAs(server, 'alice');

    alice.send(frameOfSize(server.limits.maxPayloadBytes));
    await settle(300);
    expect(alice.isClosed()).toBe(false);

    alice.send(frameOfSize(server.limits.maxPayloadBytes + 1));
    expect(await alice.closed()).toBe(1009); // "message too big"
    await expectServerHealthy(server, bob, 'oversize');
  });

  it('refuses an oversized polling POST and closes that session', async () => {
    const server = (scene.server = await startSocketServer({ maxPayloadBytes: 1024 }));
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
