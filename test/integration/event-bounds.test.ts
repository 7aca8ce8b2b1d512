/**
 * Event bounds on every emit path (red-team round 3, F7 and the room-mismatch finding): the
 * server's gateway, a worker's emitter over a real Redis, and `npm run emit` as its own process.
 * A payload over the size bound, or one naming a room other than its target, is refused with a
 * clear error and stores nothing; a recipient never sees it. And the replay window's byte bound:
 * what it drops for bytes is still replayed from the log, exactly, or reported as a resync.
 */
import { spawn } from 'node:child_process';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryEventLog, createSocketServer } from 'socket-gateway/advanced';
import { type SyncInfo } from 'socket-gateway';
import { gateway } from '@/server/gateway';
import { mintSocketToken, testSocketSecret } from '../helpers/socket-token';
import { createGatewayEmitter } from 'socket-gateway/emitter';
import { EventBoundsError } from 'socket-gateway/advanced';
import { events, type MessagePayload } from '@/events';
import { useRedisServer } from '../helpers/redis-server';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const message = (text: string): MessagePayload => ({ id: text.slice(0, 20), from: 'worker', message: text, sentAt: Date.now() });
/** A notification whose payload is about `bytes` of JSON. */
const bigMessage = (bytes: number) => message('x'.repeat(bytes));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('the server gateway', () => {
  it('refuses a payload over maxEventBytes (even with schema checks off, as in production): nothing logged, nothing delivered', async () => {
    server = await startSocketServer({ validatePayloads: false });
    const bob = await server.connectAs('bob');
    const got: string[] = [];
    bob.on('notification', (m) => got.push(m.message.slice(0, 10)));
    const head = await server.log.head();

    expect(() => gateway.emitToUser('bob', 'notification', bigMessage(1_200_000))).toThrow(EventBoundsError);
    expect(() => gateway.emitToUser('bob', 'notification', bigMessage(70_000))).toThrow(
      /^Payload of "notification" is 700\d\d bytes of JSON, over the limit of 65536 bytes/,
    );
    expect(() => gateway.broadcast('announcement', bigMessage(70_000))).toThrow(EventBoundsError);
    expect(await server.log.head()).toBe(head);

    // Multi-byte text is judged in UTF-8 bytes: 30,000 × "€" is 90,000 bytes, under 65,536 UTF-16 units.
    expect(() => gateway.emitToUser('bob', 'notification', message('€'.repeat(30_000)))).toThrow(/is 90\d\d\d bytes of JSON/);

    await gateway.emitToUser('bob', 'notification', bigMessage(60_000)); // under the bound: delivered, bob stays connected
    await vi.waitFor(() => expect(got).toHaveLength(1));
    await settle(100);
    expect(got).toEqual(['xxxxxxxxxx']);
    expect(bob.connected).toBe(true);
  });

  it('refuses a room:message whose room is not its target room, on emitToRoom and postToRoom', async () => {
    server = await startSocketServer();
    await gateway.enterRoom({ id: 'bob', role: 'user' }, 'lobby');
    const bob = await server.connectAs('bob');
    const got: string[] = [];
    bob.on('room:message', (m) => got.push(`${m.room}:${m.message}`));
    const forged = { ...message('from the admins?'), room: 'admins-only' };

    expect(() => gateway.emitToRoom('lobby', 'room:message', forged)).toThrow(
      'Payload of "room:message" names room "admins-only" but is sent to room "lobby": a payload sent to a room must name that room',
    );
    await expect(gateway.postToRoom({ id: 'bob', role: 'user' }, 'lobby', 'room:message', forged, { history: true })).rejects.toThrow(EventBoundsError);
    expect(await gateway.roomHistory({ id: 'bob', role: 'user' }, 'lobby')).toEqual({ entries: [], hasMore: false }); // refused before it was kept

    await gateway.emitToRoom('lobby', 'room:message', { ...message('hello'), room: 'lobby' });
    await vi.waitFor(() => expect(got).toEqual(['lobby:hello']));
    await settle(100);
    expect(got).toEqual(['lobby:hello']);
  });

  it('refuses to start with an event bound that one event could use to cut a recipient', async () => {
    const { createServer } = await import('node:http');
    expect(() => createSocketServer(createServer(), { secret: testSocketSecret(), register: false, maxBacklogBytes: 100_000, maxEventBytes: 99_500 })).toThrow(
      /maxEventBytes \(99500\) plus 1024 bytes of framing must not exceed maxBacklogBytes \(100000\)/,
    );
  });
});

describe('the replay window bounded in bytes', () => {
  /** Resumes as `userId` from `position`; resolves with the notifications replayed and the sync. */
  async function resume(url: string, userId: string, epoch: string, position: string) {
    const token = (await mintSocketToken(userId)).token;
    const client = io(url, { auth: { token, resume: { epoch, position } }, transports: ['websocket'], forceNew: true, reconnection: false });
    const got: string[] = [];
    client.on('notification', (m) => got.push(m.id));
    const sync = await new Promise<SyncInfo>((resolve) =>
      (client as unknown as { once(e: string, l: (s: SyncInfo) => void): void }).once('gateway:sync', resolve),
    );
    client.close();
    return { got, sync };
  }

  it('entries it dropped for bytes are replayed from the log, exactly and in order', async () => {
    // 40 events of ~10 KB against a 32 KB window: the window keeps the last three at most.
    server = await startSocketServer({ replayWindowBytes: 32_000 });
    const epoch = await server.log.epoch();
    const from = await server.log.head();
    const ids = Array.from({ length: 40 }, (_, i) => `n${i}`);
    for (const id of ids) await gateway.emitToUser('bob', 'notification', { ...bigMessage(10_000), id });
    const { got, sync } = await resume(server.url, 'bob', epoch, from);
    expect(got).toEqual(ids);
    expect(sync).toMatchObject({ replayed: 40, resync: false });
  });

  it('and what the log dropped too is a resync, not a silent hole', async () => {
    server = await startSocketServer({ replayWindowBytes: 32_000, log: createMemoryEventLog({ retentionMs: 120_000, maxEntries: 10 }) });
    const epoch = await server.log.epoch();
    const from = await server.log.head();
    for (let i = 0; i < 40; i++) await gateway.emitToUser('bob', 'notification', { ...bigMessage(10_000), id: `n${i}` });
    const { got, sync } = await resume(server.url, 'bob', epoch, from);
    expect(got).toEqual([]);
    expect(sync).toMatchObject({ replayed: 0, resync: true });
  });
});

describe('over a real Redis: the emitter and npm run emit', () => {
  const redis = useRedisServer();
  const logLength = async (keyPrefix: string) => ((await redis.client.exists(`${keyPrefix}log`)) ? redis.client.xLen(`${keyPrefix}log`) : 0);

  it('the emitter refuses a big event and a room mismatch: nothing reaches the log', async () => {
    const emitter = await createGatewayEmitter({ events, redisUrl: redis.server.url, keyPrefix: 'em:' });
    try {
      expect(() => emitter.emitToUser('bob', 'notification', bigMessage(1_200_000))).toThrow(/over the limit of 65536 bytes/);
      expect(() => emitter.emitToRoom('lobby', 'room:message', { ...message('hi'), room: 'admins-only' })).toThrow(/names room "admins-only"/);
      expect(await logLength('em:')).toBe(0);
      await emitter.emitToUser('bob', 'notification', message('small'));
      expect(await logLength('em:')).toBe(1); // the check above could see an append
    } finally {
      await emitter.close();
    }
    const strict = await createGatewayEmitter({ events, redisUrl: redis.server.url, keyPrefix: 'em2:', maxEventBytes: 1_000 });
    try {
      expect(() => strict.emitToUser('bob', 'notification', bigMessage(2_000))).toThrow(/over the limit of 1000 bytes/);
      expect(await logLength('em2:')).toBe(0);
    } finally {
      await strict.close();
    }
  });

  /** `npm run emit -- …args` as its own process, on this Redis. */
  const npmEmit = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('npm', ['run', '--silent', 'emit', '--', ...args], {
        env: { ...process.env, REDIS_URL: redis.server.url, REDIS_KEY_PREFIX: 'cli:', NODE_ENV: 'production', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('npm run emit exits 1 with the reason for a big event and a room mismatch, and stores nothing', async () => {
    const [big, small, forged, ok] = await Promise.all([
      npmEmit(['notification', '--to-user', 'bob', '--data', JSON.stringify(bigMessage(80_000))]),
      npmEmit(['notification', '--to-user', 'bob', '--data', JSON.stringify(bigMessage(2_000))], { EVENT_MAX_BYTES: '1000' }),
      npmEmit(['room:message', '--to-room', 'lobby', '--data', JSON.stringify({ ...message('hi'), room: 'admins-only' })]),
      npmEmit(['room:message', '--to-room', 'lobby', '--data', JSON.stringify({ ...message('hi'), room: 'lobby' })]),
    ]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/emit: Payload of "notification" is 800\d\d bytes of JSON, over the limit of 65536 bytes/);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/over the limit of 1000 bytes/);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toContain('emit: Payload of "room:message" names room "admins-only" but is sent to room "lobby"');
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('emit: room:message accepted') });
    expect(await logLength('cli:')).toBe(1); // only the good one
  });
});
