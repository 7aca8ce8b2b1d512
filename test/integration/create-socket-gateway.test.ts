/**
 * The library's front door, used the way an app uses it and nothing else: createSocketGateway
 * with its options, `attach` on a real http.Server, `mintToken`, the stock socket.io-client with
 * `auth: { token }`, and the gateway's emits. One backend per option: memory (the default), an
 * embedded SQLite file (`database`), and Redis (`redisUrl`, a real redis-server, two facades as
 * two nodes). Bad options are refused with a clear error before anything starts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from 'socket-gateway/advanced';
import { createSocketGateway, getGateway, type SocketGatewayInstance, type SocketGatewayOptions } from 'socket-gateway';
import { z } from 'zod';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';

// Its own events, not the demo's: the facade is typed by whatever map it is given.
const message = z.strictObject({ id: z.string(), from: z.string(), message: z.string(), sentAt: z.number() });
const events = { notification: message, 'room:message': message.extend({ room: z.string() }) };
const secret = 'facade-test-secret-of-at-least-32-chars';

const opened: Array<{ realtime: SocketGatewayInstance; httpServer: Server }> = [];
const clients: Socket[] = [];
let redis: RedisServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const { realtime, httpServer } of opened.splice(0)) {
    await realtime.close();
    await new Promise((resolve) => httpServer.close(resolve));
  }
  await redis?.stop();
  redis = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** createSocketGateway + attach on a fresh http.Server on port 0; the URL clients connect to. */
async function start(options: SocketGatewayOptions): Promise<{ realtime: SocketGatewayInstance; url: string }> {
  const realtime = createSocketGateway(options);
  const httpServer = createServer();
  opened.push({ realtime, httpServer });
  await realtime.attach(httpServer);
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return { realtime, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
}

/** Closes the oldest started gateway and its http.Server. */
async function stopFirst(): Promise<void> {
  const { realtime, httpServer } = opened.shift()!;
  await realtime.close();
  await new Promise((resolve) => httpServer.close(resolve));
}

/** The stock client with `auth: { token }`; resolves once connected. */
function connectWith(url: string, token: string): Promise<Socket> {
  const client = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  clients.push(client);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client));
    client.once('connect_error', reject);
  });
}

function next(client: Socket, event: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" within ${timeoutMs} ms`)), timeoutMs);
    client.once(event, (payload: unknown) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

const note = (message: string) => ({ id: `n-${message}`, from: 'system', message, sentAt: Date.now() });

describe('createSocketGateway: memory (the default)', () => {
  it('{ events, secret } is enough: a stock client with a minted token receives an emitToUser', async () => {
    const { realtime, url } = await start({ events, secret, register: false });
    expect(realtime.mode).toBe('memory');
    const { token, expiresAt } = await realtime.mintToken('bob');
    expect(expiresAt).toBeGreaterThan(Date.now());
    const bob = await connectWith(url, token);
    const received = next(bob, 'notification');
    await realtime.gateway.emitToUser('bob', 'notification', note('hello'));
    expect(await received).toMatchObject({ message: 'hello' });
  });

  it('a token minted with another secret is refused (Unauthorized)', async () => {
    const { url } = await start({ events, secret, register: false });
    const other = createSocketGateway({ events, secret: 'another-secret-of-at-least-32-chars!!', register: false });
    const { token } = await other.mintToken('bob');
    await expect(connectWith(url, token)).rejects.toThrow('Unauthorized');
  });

  it('logs through the injected logger and registers its metrics in the given registry', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    const registry = new Registry();
    const { url } = await start({ events, secret, register: false, logger, metrics: { registry } });
    await expect(connectWith(url, 'not-a-token')).rejects.toThrow('Unauthorized');
    expect(lines).toContainEqual(expect.objectContaining({ event: 'handshake_refused', outcome: 'unauthorized' }));
    expect(await registry.metrics()).toMatch(/socket_gateway_handshakes_total\{outcome="unauthorized"\} [1-9]/);
  });
});

describe('getGateway: the running gateway, for code that is not handed the facade (what Next bundles)', () => {
  it('reaches the registered gateway lazily, and says so once none runs', async () => {
    const lazy = getGateway(); // taken before any gateway runs: resolved at each call
    const { realtime, url } = await start({ events, secret }); // register: true (the default)
    const bob = await connectWith(url, (await realtime.mintToken('bob')).token);
    const received = next(bob, 'notification');
    await lazy.emitToUser('bob', 'notification', note('through the holder'));
    expect(await received).toMatchObject({ message: 'through the holder' });
    await stopFirst();
    await expect((async () => getGateway().emitToUser('bob', 'notification', note('late')))()).rejects.toThrow(/not running in this process/);
  });
});

describe('createSocketGateway: redisUrl (every piece on Redis)', () => {
  it('two facades on one Redis are two nodes: an emit on one reaches a socket on the other', { timeout: 60_000 }, async () => {
    redis = await startRedisServer();
    const options = { events, secret, redisUrl: redis.url, redis: { keyPrefix: 'facade:' }, register: false };
    const a = await start(options);
    const b = await start(options);
    expect([a.realtime.mode, b.realtime.mode]).toEqual(['redis', 'redis']);
    expect(a.realtime.dependencies()).toEqual({ redis: 'up' });
    const bob = await connectWith(b.url, (await a.realtime.mintToken('bob')).token); // a token from node A works on node B
    const received = next(bob, 'notification');
    await a.realtime.gateway.emitToUser('bob', 'notification', note('across nodes'));
    expect(await received).toMatchObject({ message: 'across nodes' });
    // Presence is shared too: node A sees bob, connected to node B.
    expect(await a.realtime.gateway.isOnline('bob')).toBe(true);
  });
});

describe('createSocketGateway: database (embedded SQLite)', () => {
  it('keeps a membership across close and reopen', { timeout: 30_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'facade-'));
    const database = join(dir, 'gateway.db');
    const first = await start({ events, secret, database, register: false });
    expect(first.realtime.mode).toBe('sqlite');
    await first.realtime.gateway.enterRoom({ id: 'alice' }, 'lobby');
    await stopFirst();

    const second = await start({ events, secret, database, register: false });
    expect(await second.realtime.gateway.roomsOf('alice')).toEqual(['lobby']);
    // And a socket of alice's is put in it at connect: a room emit reaches her.
    const alice = await connectWith(second.url, (await second.realtime.mintToken('alice')).token);
    const received = next(alice, 'room:message');
    await second.realtime.gateway.emitToRoom('lobby', 'room:message', { ...note('still here'), room: 'lobby' });
    expect(await received).toMatchObject({ message: 'still here', room: 'lobby' });
  });
});

describe('createSocketGateway: bad options are refused before anything starts', () => {
  it.each([
    ['no secret', { events }, /secret is required/],
    ['a short secret', { events, secret: 'short' }, /secret must be at least 32 characters/],
    ['a short key', { events, secret: new Uint8Array(16) }, /secret must be at least 32 bytes/],
    ['both redisUrl and database', { events, secret, redisUrl: 'redis://127.0.0.1:6379', database: ':memory:' }, /not both/],
    ['a redisUrl that is not one', { events, secret, redisUrl: 'http://127.0.0.1:6379' }, /redis:\/\/ or rediss:\/\//],
    ['no events', { secret }, /`events` must be an object/],
    ['no options', undefined, /options are required/],
  ])('%s', (_why, options, message) => {
    expect(() => createSocketGateway(options as unknown as SocketGatewayOptions)).toThrow(TypeError);
    expect(() => createSocketGateway(options as unknown as SocketGatewayOptions)).toThrow(message);
  });

  it('a Redis that does not answer fails attach with a message naming it (without its password)', { timeout: 30_000 }, async () => {
    const realtime = createSocketGateway({ events, secret, redisUrl: 'redis://:hunter2@127.0.0.1:1', redis: { connectTimeoutMs: 500 }, register: false });
    await expect(realtime.attach(createServer())).rejects.toThrow(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/? did not answer/);
    await realtime.close();
  });

  it('emitting before attach says so', async () => {
    const realtime = createSocketGateway({ events, secret, register: false });
    await expect((async () => realtime.gateway.emitToUser('bob', 'notification', note('early')))()).rejects.toThrow(/attach/);
  });

  it('a secret given as a function is read at the first attach or mintToken (a build without it imports the module fine), and checked then', async () => {
    const runtime: { secret?: string } = {}; // set later, as the environment is at run time
    const realtime = createSocketGateway({ events, secret: () => runtime.secret, register: false }); // next build: no secret yet, no throw
    await expect(realtime.mintToken('bob')).rejects.toThrow(/secret is required/);
    const httpServer = createServer();
    await expect(realtime.attach(httpServer)).rejects.toThrow(/secret is required/);
    expect(httpServer.listening).toBe(false);
    await realtime.close();

    runtime.secret = secret;
    const { realtime: started, url } = await start({ events, secret: () => runtime.secret, register: false });
    const bob = await connectWith(url, (await started.mintToken('bob')).token);
    const received = next(bob, 'notification');
    await started.gateway.emitToUser('bob', 'notification', note('lazy secret'));
    expect(await received).toMatchObject({ message: 'lazy secret' });
  });
});
