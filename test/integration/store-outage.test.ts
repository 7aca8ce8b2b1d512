/**
 * A store that cannot answer (Redis down) during a handshake: the client is told to come back
 * later, learns nothing internal, and the browser's socket store does come back by itself once
 * the store answers again. Real server, real client (the browser's own socket store).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryMembershipStore, type MembershipStore } from 'socket-gateway/advanced';
import { TEMPORARILY_UNAVAILABLE } from 'socket-gateway';
import { createSocketStore, type SocketStore } from 'socket-gateway/react';
import { startSocketServer, type TestServer } from '../helpers/socket-server';
import type { AppEvents } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';

let server: TestServer | undefined;
let store: SocketStore | undefined;
afterEach(async () => {
  store?.stop();
  await server?.stop();
});

describe('a store outage during handshakes', () => {
  it('answers "temporarily unavailable" with a retry hint, logs the cause once, and the client connects once the store is back', async () => {
    let down = true;
    const real = createMemoryMembershipStore();
    const membership: MembershipStore = {
      ...real,
      roomsOf: async (userId) => {
        if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        return real.roomsOf(userId);
      },
    };
    const errors: string[] = [];
    server = await startSocketServer({ stores: { membership }, onError: (error) => errors.push(error.message) });
    const refused: { message: string; data?: unknown }[] = [];
    store = createSocketStore<AppEvents>({
      getToken: async () => (await mintSocketToken('bob')).token,
      url: server.url,
      options: { transports: ['websocket'] },
    });
    store.getSocket().on('connect_error', (error) => refused.push({ message: error.message, data: (error as { data?: unknown }).data }));
    store.start('bob');
    await vi.waitFor(() => expect(refused.length).toBeGreaterThanOrEqual(1));
    expect(refused[0]).toEqual({ message: TEMPORARILY_UNAVAILABLE, data: { retry: true } });
    expect(JSON.stringify(refused)).not.toContain('ECONNREFUSED');
    expect(errors[0]).toContain('ECONNREFUSED');
    expect(store.getSnapshot().status).toBe('connecting');

    down = false;
    await vi.waitFor(() => expect(store!.getSnapshot().status).toBe('connected'), { timeout: 15_000 });
  });
});
