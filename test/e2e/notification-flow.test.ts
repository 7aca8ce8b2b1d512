/**
 * The proof that a tRPC procedure bundled by Next reaches the Socket.IO server started by
 * server.ts: alice notifies bob over HTTP; bob's socket receives it, carol's does not.
 */
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { useAppServer } from '../helpers/app-server';
import { collectEvents, nextEvent, settle, type TestClient } from '../helpers/socket-server';

const suite = useAppServer();

describe('end to end through server.ts (production build)', () => {
  it('delivers notification.send from alice to bob only', async () => {
    const [alice, bob, carol] = await Promise.all([suite.signIn('alice'), suite.signIn('bob'), suite.signIn('carol')]);
    const bobSocket = await suite.openTab(bob);
    const carolSocket = await suite.openTab(carol);
    const carolSaw = collectEvents(carolSocket, 'notification');

    const received = nextEvent(bobSocket, 'notification');
    const sent = await alice.mutate('notification.send', { toUserId: 'bob', message: 'hello bob' });
    expect(sent.ok).toBe(true);

    const payload = await received;
    expect(payload).toMatchObject({ from: 'alice', message: 'hello bob' });
    expect(typeof payload.id).toBe('string');
    expect(typeof payload.sentAt).toBe('number');
    await settle();
    expect(carolSaw).toEqual([]);
  });

  it('mints tokens only for signed-in callers and refuses sockets without one', async () => {
    const anonymous = await fetch(new URL('/api/trpc/socket.token', suite.app.url));
    expect(anonymous.status).toBe(401);
    const client: TestClient = connect(suite.app.url, { auth: { token: 'nope' }, transports: ['websocket'], reconnection: false, forceNew: true });
    const error = await new Promise<Error>((resolve) => client.once('connect_error', resolve));
    client.close();
    expect(error.message).toBe('Unauthorized');
  });

  it('answers bad input with BAD_REQUEST and a readable message, emitting nothing', async () => {
    const alice = await suite.signIn('alice');
    const result = await alice.mutate('room.post', { room: 'user:bob', message: '  ' });
    expect(result).toEqual({
      ok: false,
      code: 'BAD_REQUEST',
      status: 400,
      message: 'room: Room names starting with "user:" are reserved; message: Message must not be empty',
    });
  });

  it('reports health without publishing how many people are connected', async () => {
    const response = await fetch(new URL('/api/health', suite.app.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', dependencies: {}, credentialsResetAt: expect.any(Number) });
  });
});
