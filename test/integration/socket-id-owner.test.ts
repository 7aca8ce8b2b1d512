/**
 * attacks-3 F11: `x-socket-id` ("to others") was honoured whatever socket it named, so bob could
 * send alice's socket id with his posts and alice's tab never received them (0/20 live, 0/20 on
 * replay). It is now honoured only when it names one of the caller's own sockets, on this node or
 * (cluster) on another one; a foreign id is ignored, not an error.
 * Real socket servers on port 0, real socket.io-client tabs, the real appRouter (createCaller with
 * the context tRPC's route builds: a session and the header's socket id), real Redis for the cluster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Session } from 'next-auth';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '@/env';
import { createRealtime, type Realtime } from '@/server/realtime';
import { createCaller } from '@/server/trpc/root';
import { gateway } from '@/server/gateway';
import type { RoomMessagePayload } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { collectEvents, nextEvent, settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const session = (id: string): Session => ({
  user: { id, name: id, role: 'user' },
  expires: new Date(Date.now() + 3_600_000).toISOString(),
  signedInAt: Date.now(),
});
/** A tRPC call as `userId` whose request carried `x-socket-id: socketId`. */
const as = (userId: string, socketId?: string) => createCaller({ session: session(userId), ...(socketId ? { socketId } : {}) });

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('x-socket-id on one node', () => {
  let server: TestServer;
  it("bob naming alice's socket cannot keep his posts from her: she receives all 20 live", async () => {
    server = await startSocketServer();
    cleanups.push(() => server.stop());
    await gateway.enterRoom({ id: 'alice', role: 'user' }, 'lobby');
    await gateway.enterRoom({ id: 'bob', role: 'user' }, 'lobby');
    const alice = await server.connectAs('alice');
    await server.connectAs('bob');
    const seen = collectEvents(alice, 'room:message');
    for (let i = 0; i < 20; i += 1) await as('bob', alice.id).room.post({ room: 'lobby', message: `bob ${i}` });
    await vi.waitFor(() => expect(seen.map((m) => m.message)).toEqual(Array.from({ length: 20 }, (_, i) => `bob ${i}`)));
  });

  it("alice's own socket id still means 'to others': that tab skips her post, her other tab and bob get it", async () => {
    server = await startSocketServer();
    cleanups.push(() => server.stop());
    await gateway.enterRoom({ id: 'alice', role: 'user' }, 'lobby');
    await gateway.enterRoom({ id: 'bob', role: 'user' }, 'lobby');
    const [aliceTab1, aliceTab2, bob] = [await server.connectAs('alice'), await server.connectAs('alice'), await server.connectAs('bob')];
    const skipped = collectEvents(aliceTab1, 'room:message');
    const toTab2 = nextEvent(aliceTab2, 'room:message');
    const toBob = nextEvent(bob, 'room:message');
    await as('alice', aliceTab1.id).room.post({ room: 'lobby', message: 'hello' });
    expect((await toTab2).message).toBe('hello');
    expect((await toBob).message).toBe('hello');
    await settle(200);
    expect(skipped).toEqual([]);
  });
});

describe('x-socket-id in a cluster (two nodes, one Redis)', () => {
  it("is checked where the socket lives: alice's own id on the other node is honoured, bob's use of it is not", { timeout: 60_000 }, async () => {
    const redis: RedisServer = await startRedisServer();
    cleanups.push(() => redis.stop());
    const node = async (): Promise<{ realtime: Realtime; url: string }> => {
      const env = parseEnv({ NODE_ENV: 'test', NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'owner:' });
      const httpServer: Server = createServer();
      const realtime = await createRealtime(httpServer, env);
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => {
        await realtime.close();
        await new Promise((resolve) => httpServer.close(resolve));
      });
      return { realtime, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
    };
    const nodeB = await node(); // alice's tab lives here
    await node(); // node A: created last, so this process's tRPC calls run on it (the registry)
    const tab = async (userId: string, url: string): Promise<Socket> => {
      const client = connect(url, { auth: { token: (await mintSocketToken(userId)).token }, transports: ['websocket'], reconnection: false, forceNew: true });
      cleanups.push(async () => client.close());
      await new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
      return client;
    };
    await gateway.enterRoom({ id: 'alice', role: 'user' }, 'lobby');
    const alice = (await tab('alice', nodeB.url)) as TestClient;
    await vi.waitFor(async () => expect((await nodeB.realtime.sockets.io.in('lobby').fetchSockets()).length).toBe(1));
    const seen = collectEvents(alice, 'room:message');
    await gateway.enterRoom({ id: 'bob', role: 'user' }, 'lobby');

    await as('bob', alice.id).room.post({ room: 'lobby', message: 'from bob' });
    await vi.waitFor(() => expect(seen.map((m: RoomMessagePayload) => m.message)).toEqual(['from bob']));

    await as('alice', alice.id).room.post({ room: 'lobby', message: 'from alice' });
    await as('bob').room.post({ room: 'lobby', message: 'after' }); // delivered after hers: once it is here, hers would be too
    await vi.waitFor(() => expect(seen.map((m) => m.message)).toEqual(['from bob', 'after']));
  });
});
