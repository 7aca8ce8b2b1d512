/**
 * Draining for graceful shutdown (what server.ts calls on SIGTERM): every socket is told to
 * go (clients reconnect, to another server), and no new handshake is accepted, on either
 * transport, while the http.Server finishes its in-flight requests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectRaw, openRaw, pollingRequest } from '../helpers/raw-client';
import { startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';
import { mintSocketToken } from '../helpers/socket-token';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const disconnected = (client: TestClient) => new Promise<string>((resolve) => client.once('disconnect', resolve));

describe('drain()', () => {
  it('disconnects every socket on both transports and refuses new handshakes', async () => {
    server = await startSocketServer();
    const srv = server;
    const clients = [await srv.connectAs('alice'), await srv.connectAs('bob', { transports: ['polling'] }), await srv.connectAs('bob')];
    const raw = await connectRaw(srv.url, { token: (await mintSocketToken('carol')).token });
    const reasons = Promise.all(clients.map(disconnected));

    srv.drain();

    expect(await reasons).toEqual(['transport close', 'transport close', 'transport close']);
    await raw.closed();
    expect(srv.io.engine.clientsCount).toBe(0);
    expect(srv.io.of('/').sockets.size).toBe(0);

    const poll = await pollingRequest(srv.url);
    expect(poll.status).toBe(403);
    expect(JSON.parse(poll.body)).toMatchObject({ message: 'Server is shutting down' });
    await expect(openRaw(srv.url)).rejects.toMatchObject({ statusCode: 400, body: 'Server is shutting down' });
    await expect(srv.connectAs('alice')).rejects.toThrow();
    await expect(srv.connectAs('alice', { transports: ['polling'] })).rejects.toThrow();
    expect(srv.io.engine.clientsCount).toBe(0);
  });
});
