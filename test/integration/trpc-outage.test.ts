/**
 * attacks-3 (Info): during a Redis outage a tRPC answer carried node-redis's own text, "The client
 * is offline". It now says ours, and the cause goes to the log only. Real Redis (stopped mid-test),
 * the real composition (createRealtime with REDIS_URL), the real appRouter and error formatter
 * behind tRPC's fetch handler (the context is handed a signed-in session: no cookies outside Next).
 */
import { createServer, type Server } from 'node:http';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { Session } from 'next-auth';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '@/env';
import { createRealtime, type Realtime } from '@/server/realtime';
import { appRouter } from '@/server/trpc/root';
import { TEMPORARILY_UNAVAILABLE } from 'socket-gateway';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

let redis: RedisServer | undefined;
let realtime: Realtime | undefined;
let httpServer: Server | undefined;
afterEach(async () => {
  await realtime?.close().catch(() => undefined);
  await new Promise((resolve) => httpServer?.close(resolve) ?? resolve(undefined));
  await redis?.stop();
});

const alice: Session = { user: { id: 'alice', name: 'alice', role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() };

/** One tRPC call over HTTP semantics (GET for a query, POST for a mutation), as alice. */
async function call(path: string, input?: unknown, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; body: string }> {
  const url = new URL(`http://app.test/api/trpc/${path}`);
  if (method === 'GET' && input !== undefined) url.searchParams.set('input', JSON.stringify(input));
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(url, method === 'POST' ? { method, body: JSON.stringify(input), headers: { 'content-type': 'application/json' } } : {}),
    router: appRouter,
    createContext: async () => ({ session: alice }),
  });
  return { status: response.status, body: await response.text() };
}

describe('a Redis outage seen through tRPC', () => {
  it('is answered "temporarily unavailable", never with node-redis\'s text; answers come back with Redis', { timeout: 30_000 }, async () => {
    redis = await startRedisServer();
    const env = parseEnv({ NODE_ENV: 'production', NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'outage:' });
    httpServer = createServer();
    realtime = await createRealtime(httpServer, env);
    expect(await call('room.mine')).toMatchObject({ status: 200 });

    await redis.stop();
    await vi.waitFor(() => expect(realtime!.dependencies()).toEqual({ redis: 'down' }));
    for (const [path, input, method] of [
      ['room.mine', undefined, 'GET'],
      ['room.join', { room: 'lobby' }, 'POST'],
      ['notification.send', { toUserId: 'bob', message: 'hi' }, 'POST'],
    ] as const) {
      const { status, body } = await call(path, input, method);
      expect(status).toBe(500);
      expect(JSON.parse(body)).toMatchObject({ error: { message: TEMPORARILY_UNAVAILABLE, data: { code: 'INTERNAL_SERVER_ERROR' } } });
      expect(body).not.toMatch(/offline|closed|ECONNREFUSED|redis/i);
    }

    await redis.restart();
    await vi.waitFor(async () => expect(await call('room.mine')).toMatchObject({ status: 200 }), { timeout: 10_000, interval: 200 });
  });
});
