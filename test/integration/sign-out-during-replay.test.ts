/**
 * Sign-out reaches a socket that is still being replayed to (issue 18, item 3; attacks-3 F1).
 * A resuming socket used to join `user:{id}` only when its replay finished, so the sign-out's
 * `disconnectSockets` on that room missed it; once it read again it got the rest of the replay,
 * then events sent after the sign-out, and stayed open.
 *
 * Replayed as the attacker did: alice is sent ~18 MB of notifications, a raw websocket resumes from
 * before them and stops reading (the replay waits on backpressure), alice signs out, more is sent
 * to her; then the socket reads again. The real composition (createRealtime) in embedded mode
 * (SQLite) and in Redis mode (a real redis-server, two nodes: the sign-out goes through the other
 * node and the Redis adapter).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '@/env';
import { createRealtime, type Realtime } from '@/server/realtime';
import { gateway } from '@/server/gateway';
import type { MessagePayload } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { connectRaw, type RawClient } from '../helpers/raw-client';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { startSocketServer, type TestServer } from '../helpers/socket-server';

const BACKLOG = 1_500;
const FILLER = 'x'.repeat(12_000);
const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

interface Node {
  realtime: Realtime;
  httpServer: Server;
  url: string;
}
const nodes: Node[] = [];
const raws: RawClient[] = [];
let redis: RedisServer | undefined;
let dir: string | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const raw of raws.splice(0)) raw.close();
  for (const node of nodes.splice(0).reverse()) {
    await node.realtime.close().catch(() => undefined);
    await new Promise((resolve) => node.httpServer.close(resolve));
  }
  await redis?.stop();
  redis = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function startNode(raw: Record<string, string>): Promise<Node> {
  const env = parseEnv({ NODE_ENV: 'test', NEXTAUTH_SECRET: process.env.NEXTAUTH_SECRET, ...raw });
  const httpServer = createServer();
  const realtime = await createRealtime(httpServer, env);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const node = { realtime, httpServer, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
  nodes.push(node);
  return node;
}

/** The socket under the raw client's websocket: pausing it stops reading (the kernel buffers fill, then the server's writes wait). */
const tcp = (raw: RawClient) => (raw.ws as unknown as { _socket: NetSocket })._socket;

async function replayThenSignOut(victimNode: Node) {
  const log = victimNode.realtime.sockets.log;
  const resume = { epoch: await log.epoch(), position: await log.head() };
  for (let i = 0; i < BACKLOG; i += 1) await gateway.emitToUser('alice', 'notification', message(`missed ${i} ${FILLER}`));

  const { token } = await mintSocketToken('alice');
  const raw = await connectRaw(victimNode.url, { token, resume });
  raws.push(raw);
  tcp(raw).pause();
  // The replay is now under way, soon waiting for the client to read (checked below: no sync, not all of it).

  await gateway.revokeUserSockets('alice');
  await gateway.emitToUser('alice', 'notification', message('after sign-out: to alice'));
  await gateway.broadcast('announcement', message('after sign-out: to everyone'));

  tcp(raw).resume();
  await raw.closed(20_000);
  const events = raw.messages.filter((frame) => frame.startsWith('42'));
  expect(events.some((frame) => frame.includes('after sign-out'))).toBe(false);
  expect(events.some((frame) => frame.startsWith('42["gateway:sync"'))).toBe(false); // closed mid-replay
  expect(events.length).toBeLessThan(BACKLOG);
}

describe('a socket being replayed to when its user signs out', () => {
  it('embedded mode (SQLite): is closed, and receives nothing sent after the sign-out', { timeout: 60_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'sign-out-replay-'));
    const node = await startNode({ DATABASE_PATH: join(dir, 'gateway.db') });
    await replayThenSignOut(node);
  });

  it('Redis mode, sign-out through another node: is closed, and receives nothing sent after the sign-out', { timeout: 60_000 }, async () => {
    redis = await startRedisServer();
    const victimNode = await startNode({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'sign-out-replay:' });
    // Started last: the process-wide `gateway` (emits, the sign-out) goes through this one.
    await startNode({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'sign-out-replay:' });
    await replayThenSignOut(victimNode);
  });

  it('whose sign-out broadcast never arrived (lost pub/sub): is checked again before it goes live, and closed', { timeout: 60_000 }, async () => {
    server = await startSocketServer();
    const resume = { epoch: await server.log.epoch(), position: await server.log.head() };
    for (let i = 0; i < BACKLOG; i += 1) await gateway.emitToUser('alice', 'notification', message(`missed ${i} ${FILLER}`));
    const { token } = await mintSocketToken('alice');
    const raw = await connectRaw(server.url, { token, resume });
    raws.push(raw);
    tcp(raw).pause();
    // The sign-out is stored, but its disconnect never reaches this node (written to the store only).
    await server.stores.revocations.revoke('alice', Date.now() + 2_000);
    await gateway.emitToUser('alice', 'notification', message('after sign-out: to alice'));
    tcp(raw).resume();
    await raw.closed(20_000);
    const events = raw.messages.filter((frame) => frame.startsWith('42'));
    expect(events.some((frame) => frame.includes('after sign-out'))).toBe(false);
    expect(events.some((frame) => frame.startsWith('42["gateway:sync"'))).toBe(false);
  });
});
