/**
 * What the gateway keeps per open socket, beyond raw Socket.IO (issue 21, heap per connection;
 * the breakdown is bench/heap-breakdown.ts). Real clients on a real gateway and on a bare
 * Socket.IO server: the gateway's listeners on a connection are functions shared by every
 * connection, the Engine.IO connection carries at most two more event names than raw Socket.IO's
 * (an EventEmitter's listener table grows a size past that), its 'close' listeners are raw
 * Socket.IO's own (a listener added and removed there leaves a grown array on every socket), and
 * nothing of the handshake (admission, its TCP watcher) stays once the socket is connected.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as connectTcp } from 'node:net';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

interface Emitter {
  eventNames(): (string | symbol)[];
  listeners(event: string): unknown[];
  listenerCount(event: string): number;
}

let server: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await server?.stop();
  server = undefined;
});

/** Raw Socket.IO's engine connection of one connected websocket client: its event names and close listener count. */
async function rawSocketIoConnection(): Promise<{ names: string[]; closeListeners: number; tcpCloseListeners: number }> {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => io.close(resolve)));
  const connected = new Promise<Emitter & { request: { socket: Emitter } }>((resolve) => io.on('connection', (socket) => resolve(socket.conn as never)));
  const client = ioClient(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], reconnection: false });
  cleanups.push(() => client.close());
  const conn = await connected;
  return { names: conn.eventNames().map(String), closeListeners: conn.listenerCount('close'), tcpCloseListeners: conn.request.socket.listenerCount('close') };
}

function engineConnection(client: TestClient): Emitter & { request: unknown } {
  const socket = server!.io.of('/').sockets.get(client.id!)!;
  return socket.conn as unknown as Emitter & { request: unknown };
}

describe('per-socket state', () => {
  it('shares its listeners across sockets and adds at most two event names and no close listener to a connection', async () => {
    const raw = await rawSocketIoConnection();
    server = await startSocketServer();
    const alice = await server.connectAs('alice', { transports: ['websocket'] });
    const bob = await server.connectAs('bob', { transports: ['websocket'] });
    const [a, b] = [engineConnection(alice), engineConnection(bob)];

    const added = a
      .eventNames()
      .map(String)
      .filter((name) => !raw.names.includes(name));
    expect(added.length).toBeLessThanOrEqual(2);
    expect(a.listenerCount('close')).toBe(raw.closeListeners);
    for (const name of added) expect(a.listeners(name)).toEqual(b.listeners(name)); // the same functions, not one closure each

    const [sa, sb] = [alice, bob].map((client) => server!.io.of('/').sockets.get(client.id!)!);
    expect(sa!.listeners('disconnecting')).toEqual(sb!.listeners('disconnecting'));
    expect(sa!.handshake.auth).toBe(sb!.handshake.auth); // the token dropped: one shared empty object
    expect(a.request).toBeNull();
  });

  it('keeps no watcher on the handshake TCP connection once the socket is connected', async () => {
    const raw = await rawSocketIoConnection();
    server = await startSocketServer();
    const tcpOf = new Promise<Emitter>((resolve) =>
      server!.io.engine.once('connection', (conn: { request: { socket: Emitter } }) => resolve(conn.request.socket)),
    );
    await server.connectAs('alice', { transports: ['websocket'] });
    expect((await tcpOf).listenerCount('close')).toBe(raw.tcpCloseListeners);
  });

  it('a websocket upgrade the ws library refuses after the gate admitted it frees its slot', async () => {
    server = await startSocketServer({ handshakeLimits: { maxUnauthenticatedPerAddress: 1 } });
    const { port } = new URL(server.url);
    // A malformed Sec-WebSocket-Key: Engine.IO's allowRequest admits it, then ws answers 400 and destroys the connection.
    const answer = await new Promise<string>((resolve, reject) => {
      const tcp = connectTcp(Number(port), '127.0.0.1', () =>
        tcp.write(
          'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: not-a-key\r\n\r\n',
        ),
      );
      let text = '';
      tcp.on('data', (chunk) => (text += chunk.toString()));
      tcp.on('close', () => resolve(text));
      tcp.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(server.io.engine.clientsCount).toBe(0);
    await expect(server.connectAs('alice', { transports: ['websocket'] })).resolves.toBeDefined();
  });
});
