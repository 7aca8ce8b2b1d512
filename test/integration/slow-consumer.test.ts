/**
 * Slow consumers (attacks.md H3): a client that stops reading while events pile up for it is
 * disconnected once its backlog passes the bound, and the server's memory comes back; a pong
 * the server never asked for does not keep a non-reading socket alive. Other users keep
 * receiving meanwhile. The abuser speaks the wire format directly (raw `ws`).
 */
import type { Socket as NetSocket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { userRoom } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { expectServerHealthy, message, useAbuseScene } from '../helpers/abuse-scene';
import type { RawClient } from '../helpers/raw-client';
import { nextEvent, settle, startSocketServer } from '../helpers/socket-server';

const { scene, rawAs } = useAbuseScene();
const MB = 1024 * 1024;
const big = (i: number) => message(`${i}:${'x'.repeat(8_000)}`);

/** Stops reading the socket: the kernel buffers fill and the server's writes back up. */
const stopReading = (raw: RawClient) => void (raw.ws as unknown as { _socket: NetSocket })._socket.pause();

describe('slow consumers', () => {
  it('cuts sockets that stop reading once their backlog passes the bound; memory comes back; others keep receiving', async () => {
    const server = (scene.server = await startSocketServer({ maxBacklogBytes: MB }));
    const bob = await server.connectAs('bob');
    const victims = await Promise.all(Array.from({ length: 10 }, () => rawAs(server, 'mallory')));
    victims.forEach(stopReading);
    global.gc?.();
    const before = process.memoryUsage().rss;

    // 10 non-reading sockets × 2,000 events × 8 KB = 160 MB, were nothing bounded.
    let bobGot = 0;
    bob.on('notification', () => (bobGot += 1));
    for (let i = 0; i < 2_000; i += 1) {
      await gateway.emitToUser('mallory', 'notification', big(i));
      if (i % 50 === 0) {
        await gateway.emitToUser('bob', 'notification', message(`tick ${i}`));
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await vi.waitFor(async () => expect(await server.io.in(userRoom('mallory')).fetchSockets()).toHaveLength(0), { timeout: 10_000 });
    await vi.waitFor(() => expect(bobGot).toBe(40), { timeout: 5_000 });
    await settle(300);
    global.gc?.();
    const grownMb = (process.memoryUsage().rss - before) / MB;
    expect(grownMb, `RSS grew ${grownMb.toFixed(1)} MB`).toBeLessThan(100);
    await expectServerHealthy(server, bob, 'slow consumers');
  });

  it('keeps a reading client under the same flood', async () => {
    const server = (scene.server = await startSocketServer({ maxBacklogBytes: MB }));
    const alice = await server.connectAs('alice');
    let got = 0;
    alice.on('notification', () => (got += 1));
    for (let i = 0; i < 500; i += 1) {
      await gateway.emitToUser('alice', 'notification', big(i));
      if (i % 20 === 0) await settle(5);
    }
    await vi.waitFor(() => expect(got).toBe(500), { timeout: 10_000 });
    expect(alice.connected).toBe(true);
  });

  it('closes a connection that sends a pong the server never asked for', async () => {
    const server = (scene.server = await startSocketServer());
    const bob = await server.connectAs('bob');
    const mallory = await rawAs(server, 'mallory');
    mallory.send('3');
    await mallory.closed();
    expect(await server.io.in(userRoom('mallory')).fetchSockets()).toHaveLength(0);
    await expectServerHealthy(server, bob, 'unsolicited pong');
  });

  it('keeps clients that answer the pings they get (several heartbeats)', async () => {
    const server = (scene.server = await startSocketServer({ pingIntervalMs: 100, pingTimeoutMs: 500 }));
    const alice = await server.connectAs('alice');
    const raw = await rawAs(server, 'bob'); // answers each ping with one pong
    await settle(800);
    expect(alice.connected).toBe(true);
    expect(raw.isClosed()).toBe(false);
    const got = nextEvent(alice, 'notification');
    await gateway.emitToUser('alice', 'notification', message('still here'));
    expect((await got).message).toBe('still here');
  });
});
