/**
 * A room move, a kick or a sign-out travels to the other nodes as a Redis PUBLISH that
 * @socket.io/redis-adapter 8.3.0 sends without handling its promise. When Redis is down (the
 * gateway's connections fail commands at once rather than queueing them) or a command waits past
 * node-redis's 5 s timeout (a node saturated by a reconnect storm; the bench's cluster and storm
 * parts hit it), that rejection used to be unhandled and took the whole node down. The composition
 * root now hands the adapter a publisher whose failures are logged and counted instead.
 * Real Redis, the real composition (createRealtime with REDIS_URL), a real client. The proof is
 * the reporter's own line ('adapter publish: …'), not the Redis error counter: losing the
 * connection raises that counter too, with or without a publish.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '@/env';
import { createRealtime, type Realtime } from '@/server/realtime';
import { createLogger } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { mintSocketToken } from '../helpers/socket-token';

let redis: RedisServer | undefined;
let realtime: Realtime | undefined;
let httpServer: Server | undefined;
let client: Socket | undefined;
afterEach(async () => {
  client?.close();
  await realtime?.close().catch(() => undefined);
  await new Promise((resolve) => httpServer?.close(resolve) ?? resolve(undefined));
  await redis?.stop();
});

describe('a Redis PUBLISH of the adapter that fails', () => {
  it('is reported, not left as an unhandled rejection that would end the process', { timeout: 30_000 }, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const publishFailures = () => lines.filter((line) => line.event === 'background_error' && String(line.error).startsWith('adapter publish: '));
    try {
      redis = await startRedisServer();
      const env = parseEnv({ NODE_ENV: 'test', NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'publish-failure:' });
      httpServer = createServer();
      realtime = await createRealtime(httpServer, env, logger);
      await new Promise<void>((resolve) => httpServer!.listen(0, '127.0.0.1', resolve));
      const { port } = httpServer.address() as AddressInfo;
      const { token } = await mintSocketToken('alice');
      client = connect(`http://127.0.0.1:${port}`, { auth: { token }, transports: ['websocket'], reconnection: false });
      await vi.waitFor(() => expect(client!.connected).toBe(true), { timeout: 10_000 });

      await redis.stop();
      await vi.waitFor(() => expect(realtime!.dependencies()).toEqual({ redis: 'down' }), { timeout: 10_000 });
      expect(publishFailures()).toEqual([]); // losing the connection alone is no publish failure
      // Each of these publishes to the other nodes through the adapter; Redis is gone.
      gateway.addUserToRoom('alice', 'lobby');
      gateway.removeUserFromRoom('alice', 'lobby');
      gateway.disconnectUser('bob');
      await vi.waitFor(() => expect(publishFailures()).toHaveLength(1), { timeout: 10_000 }); // one line per distinct message per 10 s
      expect(publishFailures()[0]).toMatchObject({ level: 'error' });
      expect(unhandled).toEqual([]);

      // Redis back (empty, same port): the node is still there and room moves work again.
      await redis.restart();
      await vi.waitFor(() => expect(realtime!.dependencies()).toEqual({ redis: 'up' }), { timeout: 10_000 });
      gateway.addUserToRoom('alice', 'lobby');
      await vi.waitFor(async () => expect((await realtime!.sockets.io.in('lobby').fetchSockets()).length).toBe(1), { timeout: 10_000 });
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
