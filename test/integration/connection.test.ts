/** Connection flow against a real Socket.IO server on port 0 with real socket.io-client. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userRoom } from 'socket-gateway/advanced';
import { startSocketServer, type TestServer } from '../helpers/socket-server';

let server: TestServer;
beforeEach(async () => {
  server = await startSocketServer();
});
afterEach(() => server.stop());

describe('handshake', () => {
  it('connects with a valid token and lands in user:{id}', async () => {
    const client = await server.connectAs('alice');
    expect(
      server.io
        .of('/')
        .adapter.rooms.get(userRoom('alice'))
        ?.has(client.id ?? ''),
    ).toBe(true);
  });

  it.each([
    ['an invalid token', { token: 'garbage' }],
    ['a missing token', {}],
    ['no auth at all', undefined],
  ])('refuses %s with Unauthorized', async (_name, auth) => {
    await expect(server.connect(auth)).rejects.toThrow('Unauthorized');
    expect(server.io.of('/').sockets.size).toBe(0);
  });

  it('refuses over the polling transport too', async () => {
    await expect(server.connect({ token: 'garbage' }, { transports: ['polling'] })).rejects.toThrow('Unauthorized');
  });

  it('puts a new socket in the rooms its user joined before it connected', async () => {
    await server.stores.membership.join('alice', 'lobby', 50);
    const client = await server.connectAs('alice');
    expect(
      server.io
        .of('/')
        .adapter.rooms.get('lobby')
        ?.has(client.id ?? ''),
    ).toBe(true);
  });
});
