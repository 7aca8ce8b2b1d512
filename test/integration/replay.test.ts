/**
 * Nothing lost (issue: replay on reconnect). A real server on port 0, real socket.io-client
 * connections made by the browser's own socket store, through a TCP proxy that drops and
 * refuses connections. Missed events are replayed once each, in order, then live delivery
 * continues; what cannot be replayed is reported as a resync; a replay never carries anything
 * addressed to someone else, whatever position the client claims.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryEventLog, getMetrics } from 'socket-gateway/advanced';
import { type SyncInfo } from 'socket-gateway';
import { gateway } from '@/server/gateway';
import type { MessagePayload, AppEvents } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { createSocketStore, type SocketStore } from 'socket-gateway/react';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';

/** socket_gateway_slow_consumers_cut_total, all reasons. */
async function slowConsumerCuts(): Promise<number> {
  const metric = await getMetrics().slowConsumersCut.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

const message = (text: string): MessagePayload => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

let server: TestServer | undefined;
const proxies: TcpProxy[] = [];
const stores: SocketStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) store.stop();
  for (const proxy of proxies.splice(0)) await proxy.close();
  await server?.stop();
  server = undefined;
});

/** A browser tab of `userId` (the real socket store) behind its own proxy; records what it receives. */
async function openTab(srv: TestServer, userId: string) {
  const proxy = await startTcpProxy(srv.port);
  proxies.push(proxy);
  const onResync = vi.fn();
  const store = createSocketStore<AppEvents>({
    getToken: async () => (await mintSocketToken(userId)).token,
    url: proxy.url,
    options: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 300 },
    onResync,
  });
  stores.push(store);
  const got: string[] = [];
  const syncs: SyncInfo[] = [];
  const socket = store.getSocket();
  socket.on('notification', (m) => got.push(m.message));
  socket.on('room:message', (m) => got.push(`${m.room}:${m.message}`));
  socket.on('announcement', (m) => got.push(`all:${m.message}`));
  (socket as unknown as { on(e: string, l: (s: SyncInfo) => void): void }).on('gateway:sync', (s) => syncs.push(s));
  store.start(userId);
  await vi.waitFor(() => expect(syncs).toHaveLength(1));
  return { store, proxy, got, syncs, onResync };
}

/** Cuts the tab off (every connection dropped, new ones refused) for the duration of `whileAway`. */
async function away(proxy: TcpProxy, whileAway: () => Promise<void>) {
  proxy.setRefusing(true);
  proxy.dropAll();
  await settle(100);
  await whileAway();
  proxy.setRefusing(false);
}

describe('replay on reconnect', () => {
  it('a client learns its starting position when it connects, before any event', async () => {
    server = await startSocketServer();
    const bob = await openTab(server, 'bob');
    expect(bob.syncs[0]).toMatchObject({ replayed: 0, resync: false, position: expect.stringMatching(/^\d+-\d+$/) });
  });

  it('a socket cut off while 3 notifications are sent receives all 3, once each, in order, then continues live', async () => {
    server = await startSocketServer();
    const bob = await openTab(server, 'bob');
    await gateway.emitToUser('bob', 'notification', message('before'));
    await vi.waitFor(() => expect(bob.got).toEqual(['before']));

    await away(bob.proxy, async () => {
      for (const text of ['one', 'two', 'three']) await gateway.emitToUser('bob', 'notification', message(text));
      await settle(500);
    });
    await vi.waitFor(() => expect(bob.syncs).toHaveLength(2), { timeout: 5000 });
    expect(bob.syncs[1]).toMatchObject({ replayed: 3, resync: false });
    await gateway.emitToUser('bob', 'notification', message('live again'));
    await vi.waitFor(() => expect(bob.got).toEqual(['before', 'one', 'two', 'three', 'live again']));
    await settle(200);
    expect(bob.got).toHaveLength(5);
    expect(bob.onResync).not.toHaveBeenCalled();
  });

  it.each([
    ['from memory (the replay window): the log is not read', undefined, 0],
    ['from the log when the window is off (replayWindow 0)', 0, 1],
  ])('a recent stretch is replayed %s', async (_name, replayWindow, expectedReads) => {
    const log = createMemoryEventLog();
    let reads = 0;
    const counted = {
      ...log,
      readRange: (...args: Parameters<typeof log.readRange>) => {
        reads += 1;
        return log.readRange(...args);
      },
    };
    server = await startSocketServer({ log: counted, ...(replayWindow === undefined ? {} : { replayWindow }) });
    const bob = await openTab(server, 'bob');
    await away(bob.proxy, async () => {
      for (const text of ['one', 'two']) await gateway.emitToUser('bob', 'notification', message(text));
      await settle(300);
    });
    await vi.waitFor(() => expect(bob.syncs).toHaveLength(2), { timeout: 5000 });
    expect(bob.syncs[1]).toMatchObject({ replayed: 2, resync: false });
    expect(bob.got).toEqual(['one', 'two']);
    expect(reads).toBe(expectedReads);
  });

  it('replays room posts and broadcasts too, from the stored membership, and nothing addressed to others', async () => {
    server = await startSocketServer();
    await server.stores.membership.join('bob', 'lobby', 50);
    const bob = await openTab(server, 'bob');
    const carol = await openTab(server, 'carol');
    await away(bob.proxy, async () => {
      await gateway.emitToRoom('lobby', 'room:message', { ...message('in lobby'), room: 'lobby' });
      await gateway.emitToRoom('elsewhere', 'room:message', { ...message('not bob'), room: 'elsewhere' });
      await gateway.emitToUser('carol', 'notification', message('for carol'));
      await gateway.broadcast('announcement', message('hello all'));
    });
    await vi.waitFor(() => expect(bob.syncs).toHaveLength(2), { timeout: 5000 });
    expect(bob.got).toEqual(['lobby:in lobby', 'all:hello all']);
    expect(carol.got).toEqual(['for carol', 'all:hello all']);
  });

  it('reports a resync (status and onResync) when the missed stretch was trimmed', async () => {
    const log = createMemoryEventLog({ retentionMs: 120_000, maxEntries: 3 });
    server = await startSocketServer({ log });
    const bob = await openTab(server, 'bob');
    await away(bob.proxy, async () => {
      for (let i = 0; i < 10; i += 1) await gateway.emitToUser('bob', 'notification', message(`m${i}`));
      await log.trim();
    });
    await vi.waitFor(() => expect(bob.syncs).toHaveLength(2), { timeout: 5000 });
    expect(bob.syncs[1]).toMatchObject({ resync: true, replayed: 0 });
    expect(bob.onResync).toHaveBeenCalledTimes(1);
    expect(bob.store.getSnapshot().resyncedAt).toEqual(expect.any(Number));
    expect(bob.got).toEqual([]); // nothing half-replayed
  });

  it('reports a resync when the log was reset (another epoch)', async () => {
    server = await startSocketServer();
    const { url } = server;
    const bob = await openTab(server, 'bob');
    const epoch = bob.syncs[0]!.epoch;
    // A raw handshake claiming a position in another epoch.
    const token = (await mintSocketToken('bob')).token;
    const { io } = await import('socket.io-client');
    const client = io(url, {
      auth: { token, resume: { epoch: `${epoch}-old`, position: '0-1' } },
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
    });
    const sync = await new Promise<SyncInfo>((resolve) =>
      (client as unknown as { once(e: string, l: (s: SyncInfo) => void): void }).once('gateway:sync', resolve),
    );
    client.close();
    expect(sync).toMatchObject({ epoch, resync: true, replayed: 0 });
  });

  it('a forged position (the start of the log, or a future one) never yields anyone else’s events', async () => {
    server = await startSocketServer();
    const { url } = server;
    const alice = await openTab(server, 'alice');
    const { epoch } = alice.syncs[0]!;
    for (let i = 0; i < 5; i += 1) await gateway.emitToUser('alice', 'notification', message(`secret ${i}`));
    await gateway.emitToUser('mallory', 'notification', message('for mallory'));
    const { io } = await import('socket.io-client');
    const resumeAs = async (position: string) => {
      const token = (await mintSocketToken('mallory')).token;
      const client = io(url, { auth: { token, resume: { epoch, position } }, transports: ['websocket'], forceNew: true, reconnection: false });
      const got: string[] = [];
      client.on('notification', (m) => got.push(m.message));
      const sync = await new Promise<SyncInfo>((resolve) =>
        (client as unknown as { once(e: string, l: (s: SyncInfo) => void): void }).once('gateway:sync', resolve),
      );
      client.close();
      return { got, sync };
    };
    expect((await resumeAs('0-0')).got).toEqual(['for mallory']);
    const future = await resumeAs('99999999999999-0');
    expect(future.got).toEqual([]);
    expect(future.sync.resync).toBe(true);
  });
  it('a long catch-up is paced by the client, not cut as a slow consumer: far more than the backlog cap, all of it, in order', async () => {
    // 3,000 notifications of ~250 bytes (~750 KB) missed, against a 300 KB backlog cap: replayed in one
    // go they would pass the cap and the socket would be cut (then cut again on every reconnect).
    server = await startSocketServer({ maxBacklogBytes: 300_000 });
    const bob = await openTab(server, 'bob');
    const cutsBefore = await slowConsumerCuts();
    const texts = Array.from({ length: 3_000 }, (_, i) => `missed ${i} ${'x'.repeat(150)}`);
    await away(bob.proxy, async () => {
      await Promise.all(texts.map((text) => gateway.emitToUser('bob', 'notification', message(text))));
    });
    await vi.waitFor(() => expect(bob.syncs).toHaveLength(2), { timeout: 20_000 });
    expect(bob.syncs[1]).toMatchObject({ replayed: 3_000, resync: false });
    expect(bob.got).toEqual(texts);
    expect(await slowConsumerCuts()).toBe(cutsBefore);
  });
});
