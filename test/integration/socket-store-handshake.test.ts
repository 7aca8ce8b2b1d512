/**
 * The browser's socket store and a token fetch that outlives its connection: the connection
 * drops while the token is still on its way, the store reconnects and fetches again. The late
 * answer of the first fetch must not be sent on the new connection as a second handshake
 * (socket.io-client sends whatever the auth callback is given, on whatever connection is open:
 * two CONNECTs on one connection are two server sockets, and every event arrives twice).
 * Found by the cluster replay property under load: a tab received each event twice.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gateway } from '@/server/gateway';
import { createSocketStore, type SocketStore } from 'socket-gateway/react';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import type { AppEvents } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';

let server: TestServer | undefined;
let proxy: TcpProxy | undefined;
let store: SocketStore<AppEvents> | undefined;
afterEach(async () => {
  store?.stop();
  await proxy?.close();
  await server?.stop();
  [server, proxy, store] = [undefined, undefined, undefined];
});

describe('a token fetch that outlives its connection', () => {
  it('is not sent as a second handshake on the next connection: one server socket, every event once', async () => {
    server = await startSocketServer();
    proxy = await startTcpProxy(server.port);
    // Every fetch waits until released: the test decides when each answer arrives.
    const pending: Array<() => void> = [];
    store = createSocketStore<AppEvents>({
      getToken: async () => {
        await new Promise<void>((resolve) => pending.push(resolve));
        return (await mintSocketToken('bob')).token;
      },
      url: proxy.url,
      options: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 },
    });
    const socket = store.getSocket();
    const got: string[] = [];
    socket.on('notification', (m) => got.push(m.message));
    store.start('bob');
    while (pending.length < 1) await settle(10);

    proxy.dropAll(); // the connection the first fetch was for is gone; the store reconnects and fetches again
    while (pending.length < 2) await settle(10);
    // Both answers arrive together, while the second connection is open: only the second may handshake.
    for (const release of pending) release();
    await expect.poll(() => store!.getSnapshot().status).toBe('connected');
    await settle(300);

    expect(server.io.sockets.sockets.size).toBe(1);
    await gateway.emitToUser('bob', 'notification', { id: 'n1', from: 'server', message: 'once', sentAt: Date.now() });
    await expect.poll(() => got).toEqual(['once']);
    await settle(200);
    expect(got).toEqual(['once']);
  });
});
