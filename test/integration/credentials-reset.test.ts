/**
 * attacks-3 F5: losing Redis's data used to bring revoked credentials back (a missing revocation
 * key read as "never revoked"). After FLUSHALL, or a restart from an RDB saved before a sign-out,
 * every token and session issued before the loss is refused, /api/health says since when, and
 * credentials issued afterwards work. Real Redis, the real composition (createRealtime with
 * REDIS_URL), real socket.io-client handshakes, real next-auth session cookies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from 'next-auth/jwt';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GET as health } from '@/app/api/health/route';
import { parseEnv } from '@/env';
import { sessionFromCookies, unlessRevoked } from '@/server/auth';
import { setServerPhase } from '@/server/lifecycle';
import { createRealtime, type Realtime } from '@/server/realtime';
import { gateway } from '@/server/gateway';
import { mintSocketToken } from '../helpers/socket-token';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

let redis: RedisServer | undefined;
let realtime: Realtime | undefined;
let httpServer: Server | undefined;
let url = '';
afterEach(async () => {
  await realtime?.close().catch(() => undefined);
  await new Promise((resolve) => httpServer?.close(resolve) ?? resolve(undefined));
  await redis?.stop();
  realtime = httpServer = redis = undefined;
});

async function startNode(): Promise<void> {
  redis = await startRedisServer();
  const env = parseEnv({ NODE_ENV: 'test', NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'reset:' });
  httpServer = createServer();
  realtime = await createRealtime(httpServer, env);
  await new Promise<void>((resolve) => httpServer!.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  setServerPhase('serving');
}

/** 'accepted', or the refusal's message. */
function handshake(token: string): Promise<string> {
  return new Promise((resolve) => {
    const client = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    client.once('connect', () => {
      client.close();
      resolve('accepted');
    });
    client.once('connect_error', (error) => {
      client.close();
      resolve(error.message);
    });
  });
}

/** A session cookie as next-auth issues it at sign-in, read back the way every tRPC call reads it. */
async function sessionCheck(cookie: string): Promise<string | null> {
  const session = await unlessRevoked(await sessionFromCookies({ 'next-auth.session-token': cookie }));
  return session?.user.id ?? null;
}
const signIn = (userId: string) =>
  encode({ token: { sub: userId, name: userId, role: 'user', signedInAt: Date.now() }, secret: process.env.NEXTAUTH_SECRET!, maxAge: 8 * 3600 });

async function healthBody(): Promise<{ status: string; credentialsResetAt: number | null }> {
  return (await health().json()) as { status: string; credentialsResetAt: number | null };
}

/** After a reset, fresh credentials work again (the nodes may take a beat to notice the loss: retried until then). */
async function expectFreshCredentialsWork(userId: string): Promise<void> {
  await vi.waitFor(async () => expect(await handshake((await mintSocketToken(userId)).token)).toBe('accepted'), { timeout: 10_000, interval: 200 });
  await vi.waitFor(async () => expect(await sessionCheck(await signIn(userId))).toBe(userId), { timeout: 10_000, interval: 200 });
}

describe('losing the revocation store fails closed', () => {
  it(
    'after FLUSHALL, a signed-out token and cookie stay refused, every older credential too; new ones work; health says since when',
    { timeout: 60_000 },
    async () => {
      await startNode();
      const started = await healthBody();
      expect(started.status).toBe('ok');
      expect(started.credentialsResetAt).toBeLessThan(Date.now()); // a fresh deployment: what is issued from now on works
      await expectFreshCredentialsWork('alice');

      const aliceToken = (await mintSocketToken('alice')).token;
      const aliceCookie = await signIn('alice');
      const bobToken = (await mintSocketToken('bob')).token;
      const bobCookie = await signIn('bob');
      expect(await handshake(bobToken)).toBe('accepted');
      expect(await sessionCheck(bobCookie)).toBe('bob');
      await gateway.revokeUserSockets('alice'); // alice signs out
      expect(await handshake(aliceToken)).toBe('Unauthorized');
      expect(await sessionCheck(aliceCookie)).toBeNull();

      const flushedAt = Date.now();
      await redis!.flushAll();

      // The attack: the copied token and cookie from before the sign-out. Refused, on the first try.
      expect(await handshake(aliceToken)).toBe('Unauthorized');
      expect(await sessionCheck(aliceCookie)).toBeNull();
      // Nobody can tell any more who signed out before the flush: everything issued before it is refused.
      expect(await handshake(bobToken)).toBe('Unauthorized');
      expect(await sessionCheck(bobCookie)).toBeNull();
      await vi.waitFor(async () => expect((await healthBody()).credentialsResetAt).toBeGreaterThanOrEqual(flushedAt - 1));
      expect((await healthBody()).status).toBe('ok');

      await expectFreshCredentialsWork('alice');
      await expectFreshCredentialsWork('bob');
      expect(await handshake(aliceToken)).toBe('Unauthorized');
    },
  );

  it('after a restart from an RDB saved before the sign-out, the signed-out token and cookie stay refused', { timeout: 60_000 }, async () => {
    await startNode();
    const aliceToken = (await mintSocketToken('alice')).token;
    const aliceCookie = await signIn('alice');
    expect(await handshake(aliceToken)).toBe('accepted');
    const backup = await redis!.snapshot(); // a backup from before the sign-out
    await gateway.revokeUserSockets('alice');
    expect(await handshake(aliceToken)).toBe('Unauthorized');

    const restoredAt = Date.now();
    await redis!.restart({ fromSnapshot: backup }); // restored: alice's sign-out is not in it
    await vi.waitFor(() => expect(realtime!.dependencies()).toEqual({ redis: 'up' }), { timeout: 10_000 });

    expect(await handshake(aliceToken)).toBe('Unauthorized');
    expect(await sessionCheck(aliceCookie)).toBeNull();
    await vi.waitFor(async () => expect((await healthBody()).credentialsResetAt).toBeGreaterThanOrEqual(restoredAt));
    await expectFreshCredentialsWork('alice');
    expect(await handshake(aliceToken)).toBe('Unauthorized');
  });
});
