/**
 * The gateway's events over tRPC subscriptions (server-sent events), issue 20 item 1: a real tRPC
 * HTTP server on port 0, real tRPC clients over `httpSubscriptionLink` with a fetch EventSource
 * that reconnects as a browser's does (`Last-Event-ID`), and real event logs: memory (emits
 * through a real Socket.IO server's gateway) and Redis (emits from a Redis emitter, the stream
 * served by a process with no Socket.IO server, as under `next start`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SocketGateway } from 'socket-gateway';
import { comparePositions, createMemoryEventLog, createMemoryRateLimitStore, type EventLog, type GatewayStores } from 'socket-gateway/advanced';
import { createGatewayEmitter, type GatewayEmitter } from 'socket-gateway/emitter';
import type { EventPayload } from 'socket-gateway';
import { events, type AppEvents } from '@/events';
import {
  connectRedis,
  createGatewayRedisClient,
  createRedisEventLog,
  createRedisMembershipStore,
  createRedisRevocationStore,
  type GatewayRedisClient,
} from 'socket-gateway/stores/redis';
import { createEventStreams, EventStreamClosedError, formatEventId, type EventStreamItem } from 'socket-gateway/trpc';
import { startRedisServer } from '../helpers/redis-server';
import { startSocketServer, type TestServer } from '../helpers/socket-server';
import { startSseServer, until, type SseServer, type SseServerOptions, type SseSubscription } from '../helpers/sse-server';

interface Backend {
  log: EventLog;
  stores: Pick<GatewayStores, 'membership' | 'revocations'>;
  /** Emits as the app does (a tRPC mutation, a worker). */
  gateway: SocketGateway<AppEvents>;
  close(): Promise<void>;
}

const message = (id: string): EventPayload<AppEvents, 'notification'> => ({ id, from: 'system', message: id, sentAt: 1 });
const roomMessage = (room: string, id: string): EventPayload<AppEvents, 'room:message'> => ({ ...message(id), room });

/** What a test emits, and who it is for: the oracle the received stream is checked against. */
type Emit = { to: 'alice' | 'bob' | 'all' | `room:${string}`; id: string };

async function emit(gateway: SocketGateway<AppEvents>, { to, id }: Emit): Promise<void> {
  if (to === 'all') return gateway.broadcast('announcement', message(id));
  if (to.startsWith('room:')) return gateway.emitToRoom(to.slice(5), 'room:message', roomMessage(to.slice(5), id));
  return gateway.emitToUser(to, 'notification', message(id));
}

/** The ids of the events `subscription` received, in order. */
const ids = (subscription: SseSubscription) =>
  subscription
    .events()
    .map((item) => (item.data.data as { id?: string; room?: string }).id ?? `${item.data.event}:${(item.data.data as { room: string }).room}`);

/** A mixed batch: alice's own, bob's, everyone's, alice's room, a room she is not in. */
const mixed = (tag: string, n: number): Emit[] =>
  Array.from({ length: n }, (_, i) => {
    const to = (['alice', 'bob', 'all', 'room:team-a', 'room:team-b'] as const)[i % 5]!;
    return { to, id: `${tag}-${i}` };
  });
const forAlice = (emits: Emit[]) => emits.filter((e) => e.to === 'alice' || e.to === 'all' || e.to === 'room:team-a').map((e) => e.id);

const backends: Record<string, () => Promise<Backend>> = {
  async memory() {
    const log = createMemoryEventLog();
    const server: TestServer = await startSocketServer({ log, register: false });
    return { log, stores: server.stores, gateway: new SocketGateway<AppEvents>(() => server), close: () => server.stop() };
  },
  async redis() {
    const redis = await startRedisServer();
    // The emitting side: a worker or a `next start` instance with no Socket.IO server.
    const emitter: GatewayEmitter<AppEvents> = await createGatewayEmitter({ events, redisUrl: redis.url });
    // The serving side: its own connection, its own log reader.
    const client: GatewayRedisClient = await connectRedis(createGatewayRedisClient(redis.url), redis.url, 10_000);
    const keyPrefix = 'sg:';
    const log = createRedisEventLog(client, { keyPrefix, blockMs: 200 });
    const stores = { membership: createRedisMembershipStore(client, { keyPrefix }), revocations: createRedisRevocationStore(client, { keyPrefix }) };
    return {
      log,
      stores,
      gateway: emitter,
      async close() {
        await emitter.close();
        await log.close?.();
        await client.close().catch(() => client.destroy());
        await redis.stop();
      },
    };
  },
};

describe.each(Object.keys(backends))('tRPC SSE event stream (%s log)', (name) => {
  let backend: Backend;
  let sse: SseServer | undefined;
  const start = async (options: Partial<SseServerOptions> = {}) =>
    (sse = await startSseServer({ log: backend.log, stores: backend.stores, revocationCheckMs: 100, ...options }));

  beforeAll(async () => {
    backend = await backends[name]!();
    await backend.gateway.enterRoom({ id: 'alice' }, 'team-a');
    await backend.gateway.enterRoom({ id: 'bob' }, 'team-b');
    // A fresh revocation store refuses every credential issued up to its first use (a data loss,
    // attacks-3 F5): the credentials of these tests are issued after it.
    await backend.stores.revocations.check();
    const readyAt = Date.now();
    await until(() => Date.now() > readyAt + 1, 'the clock to move past the store start');
  });
  afterAll(() => backend.close());
  afterEach(async () => {
    await sse?.stop();
    sse = undefined;
  });

  it('streams what is addressed to the user (own, rooms, everyone) and nothing else, each tracked with its position', async () => {
    const server = await start();
    const alice = server.subscribe('alice');
    await until(() => alice.syncs().length === 1, 'the first gateway:sync');
    const emits = mixed('live', 20);
    for (const e of emits) await emit(backend.gateway, e);
    await until(() => alice.events().length >= forAlice(emits).length, 'alice to receive her events');
    expect(ids(alice)).toEqual(forAlice(emits));
    const epoch = await backend.log.epoch();
    expect(alice.received.every((item) => item.id.startsWith(`${epoch}:`))).toBe(true);
  });

  it('a dropped stream resumes with lastEventId and gets exactly what it missed, in order, once', async () => {
    const server = await start();
    const alice = server.subscribe('alice');
    await until(() => alice.syncs().length === 1, 'the first gateway:sync');
    const before = mixed('before', 10);
    for (const e of before) await emit(backend.gateway, e);
    await until(() => alice.events().length === forAlice(before).length, 'the events before the drop');

    const source = alice.source();
    source.drop({ hold: true });
    const missed = mixed('missed', 25);
    for (const e of missed) await emit(backend.gateway, e);
    source.release();
    await until(() => alice.syncs().length === 2, 'the gateway:sync after the resume');
    const after = mixed('after', 10);
    for (const e of after) await emit(backend.gateway, e);
    const expected = [...forAlice(before), ...forAlice(missed), ...forAlice(after)];
    await until(() => alice.events().length >= expected.length, 'every event');
    // Give a duplicate the time to show up.
    await emit(backend.gateway, { to: 'alice', id: 'last' });
    await until(() => ids(alice).includes('last'), 'the last event');
    expect(ids(alice)).toEqual([...expected, 'last']);
    // The resume sent the last id it had, and the server said how many it replayed.
    expect(source.requests.at(-1)!.lastEventId).toMatch(/:\d+-\d+$/);
    const resumeSync = alice.syncs()[1]!.data.data as { replayed: number; resync: boolean };
    expect(resumeSync).toMatchObject({ resync: false });
    expect(resumeSync.replayed).toBe(forAlice(missed).length);
  });

  it.each([
    ['tRPC sse.maxDurationMs', { maxDurationMs: 250 }],
    ["the helper's maxDurationMs", { helperMaxDurationMs: 250 }],
  ])('a duration-ended stream (%s) resumes without loss', async (_, duration) => {
    const server = await start(duration);
    const alice = server.subscribe('alice');
    await until(() => alice.syncs().length === 1, 'the first gateway:sync');
    const emits = mixed('duration', 60);
    for (const e of emits) {
      await emit(backend.gateway, e);
      await new Promise((resolve) => setTimeout(resolve, 15)); // spread over several durations
    }
    await emit(backend.gateway, { to: 'alice', id: 'last' });
    await until(() => ids(alice).includes('last'), 'the last event');
    expect(ids(alice)).toEqual([...forAlice(emits), 'last']);
    expect(alice.source().requests.length).toBeGreaterThanOrEqual(3); // it did reconnect
    expect(alice.syncs().every((item) => (item.data.data as { resync: boolean }).resync === false)).toBe(true);
  });

  it('a forged lastEventId yields nothing addressed to anyone else; a foreign or malformed one says resync', async () => {
    const server = await start();
    const emits = mixed('old', 20);
    for (const e of emits) await emit(backend.gateway, e);
    const epoch = await backend.log.epoch();
    // Mallory (in no room) claims to resume from the start of the log: only the broadcasts are hers.
    const mallory = server.subscribe('mallory', { lastEventId: formatEventId(epoch, '0-0') });
    await until(() => mallory.syncs().length === 1, "mallory's gateway:sync");
    const logged = await backend.log.readRange('0-0', await backend.log.head(), 100_000);
    if (logged === 'gap') throw new Error('the log lost entries');
    const broadcasts = logged.filter((entry) => entry.to.kind === 'all').map((entry) => (entry.data as { id: string }).id);
    expect(broadcasts).toEqual(expect.arrayContaining(emits.filter((e) => e.to === 'all').map((e) => e.id)));
    expect(ids(mallory)).toEqual(broadcasts);
    expect(mallory.syncs()[0]!.data.data).toMatchObject({ resync: false, replayed: broadcasts.length });
    for (const lastEventId of [formatEventId('another-epoch', '0-0'), formatEventId(epoch, '99999999999999-0'), 'garbage', `${epoch}:1-x`]) {
      const probe = server.subscribe('mallory', { lastEventId });
      await until(() => probe.syncs().length === 1, `the gateway:sync for ${lastEventId}`);
      expect(probe.events()).toEqual([]);
      expect(probe.syncs()[0]!.data.data).toMatchObject({ resync: true, replayed: 0 });
      probe.unsubscribe();
      await until(() => server.streams.count('mallory') === 1, 'the probe to close');
    }
  });

  it('sign-out ends the stream, and the revoked credential cannot open another', async () => {
    const server = await start();
    const issuedAt = Date.now();
    const alice = server.subscribe('alice', { issuedAt });
    await until(() => alice.syncs().length === 1, 'the first gateway:sync');
    await backend.gateway.revokeUserSockets('alice');
    await until(() => alice.errors.length === 1, 'the stream to end');
    expect(alice.errors[0]!.message).toBe('Unauthorized');
    await until(() => server.streams.count('alice') === 0, 'the stream slot to be released');
    await emit(backend.gateway, { to: 'alice', id: 'after-sign-out' });
    const again = server.subscribe('alice', { issuedAt });
    await until(() => again.errors.length === 1, 'the refusal');
    expect(again.errors[0]!.message).toBe('Unauthorized');
    expect(again.received).toEqual([]);
    expect(ids(alice)).not.toContain('after-sign-out');
  });

  it('caps the streams per user (others unaffected) and frees a slot when one closes', async () => {
    const server = await start({ maxStreamsPerUser: 2 });
    const first = server.subscribe('carol');
    const second = server.subscribe('carol');
    await until(() => first.syncs().length === 1 && second.syncs().length === 1, 'two streams');
    const third = server.subscribe('carol');
    await until(() => third.errors.length === 1, 'the third to be refused');
    expect(third.errors[0]!.message).toMatch(/At most 2 event streams per user/);
    const dave = server.subscribe('dave');
    await until(() => dave.syncs().length === 1, "another user's stream");
    first.unsubscribe();
    await until(() => server.streams.count('carol') === 1, 'the slot to be released');
    const fourth = server.subscribe('carol');
    await until(() => fourth.syncs().length === 1, 'a stream in the freed slot');
  });

  it('follows membership from the store: posts after a join arrive, posts after a leave do not', async () => {
    const server = await start();
    const erin = server.subscribe('erin');
    await until(() => erin.syncs().length === 1, 'the first gateway:sync');
    await emit(backend.gateway, { to: 'room:team-c', id: 'before-join' });
    await backend.gateway.enterRoom({ id: 'erin' }, 'team-c');
    await emit(backend.gateway, { to: 'room:team-c', id: 'while-member' });
    await backend.gateway.exitRoom('erin', 'team-c');
    await emit(backend.gateway, { to: 'room:team-c', id: 'after-leave' });
    await emit(backend.gateway, { to: 'erin' as 'alice', id: 'last' });
    await until(() => ids(erin).includes('last'), 'the last event');
    expect(ids(erin)).toEqual(['membership:changed:team-c', 'while-member', 'membership:changed:team-c', 'last']);
  });

  it('rate-limits opening streams per user (a token per open, closed or not)', async () => {
    const buckets = createMemoryRateLimitStore();
    const limit = { ratePerSecond: 0.001, burst: 2 };
    const server = await start({ mayOpen: (userId) => buckets.take(`sse-open:${userId}`, limit).then((taken) => taken.ok) });
    for (let i = 0; i < 2; i++) {
      const ok = server.subscribe('hank');
      await until(() => ok.syncs().length === 1, `stream ${i + 1}`);
      ok.unsubscribe();
    }
    const refused = server.subscribe('hank');
    await until(() => refused.errors.length === 1, 'the refusal');
    expect(refused.errors[0]!.message).toMatch(/Too many event streams opened/);
    const other = server.subscribe('ivy');
    await until(() => other.syncs().length === 1, "another user's stream");
  });

  it('a stream returned before its first step gives its slot back', async () => {
    const streams = createEventStreams({ log: backend.log, membership: backend.stores.membership, maxStreamsPerUser: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const stream = streams.open('gina', { revoked: async () => false });
        expect(streams.count('gina')).toBe(1);
        await stream.return(undefined);
        expect(streams.count('gina')).toBe(0);
      }
    } finally {
      await streams.close();
    }
  });

  it('ends a reader that falls behind (resumable) instead of buffering without bound; its resume gets what it did not take', async () => {
    const streams = createEventStreams({ log: backend.log, membership: backend.stores.membership, maxQueuedEvents: 5 });
    try {
      const notRevoked = async () => false;
      const slow = streams.open('frank', { revoked: notRevoked });
      const synced = (await slow.next()).value as EventStreamItem;
      expect(synced.sync).toBe(true);
      const emits = Array.from({ length: 20 }, (_, i): Emit => ({ to: 'frank' as 'alice', id: `slow-${i}` }));
      for (const e of emits) await emit(backend.gateway, e);
      const head = await backend.log.head();
      await until(() => comparePositions(streams.position()!, head) >= 0, 'the reader to hand out every emit');
      await expect(slow.next()).rejects.toEqual(new EventStreamClosedError('slow-reader'));
      expect(streams.count('frank')).toBe(0);
      const resumed = streams.open('frank', { revoked: notRevoked, lastEventId: synced.id });
      const got: EventStreamItem[] = [];
      for (let item = await resumed.next(); !item.done; item = await resumed.next()) {
        got.push(item.value);
        if (item.value.sync) break;
      }
      expect(got.filter((item) => !item.sync).map((item) => (item.data as { id: string }).id)).toEqual(emits.map((e) => e.id));
      expect(got.at(-1)!.data).toMatchObject({ resync: false, replayed: emits.length });
      await resumed.return();
    } finally {
      await streams.close();
    }
  });
});
