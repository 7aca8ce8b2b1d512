/**
 * The admin dashboard's data (issue 13): the sampler turns the prom-client counters into per-second
 * rates from their deltas and keeps a bounded ring of samples; in cluster mode nodes meet through
 * a real Redis (a key per node with a TTL); `metrics.dashboard` answers admins only.
 */
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import type { Session } from 'next-auth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@/server/demo-users';
import { createCaller } from '@/server/trpc/root';
import { gateway } from '@/server/gateway';
import { createMetricsSampler, createRingBuffer, registerMetricsSampler, unregisterMetricsSampler, type MetricsSampler } from 'socket-gateway/advanced';
import { rateSample, readCounterTotals } from '@/socket-gateway/observability/metrics-sampler';
import { getMetrics } from 'socket-gateway/advanced';
import { createRedisSampleBoard } from 'socket-gateway/stores/redis';
import { useRedisServer } from '../helpers/redis-server';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';

const totals = (emitted: number, deliveries: number, replays: number, resyncs: number) => ({ emitted, deliveries, replays, resyncs });
const reading = (at: number, t: ReturnType<typeof totals>, sockets = 0, users = 0) => ({ at, t: 1_700_000_000_000 + at, totals: t, sockets, users });
const message = (text: string) => ({ id: text, from: 'server', message: text, sentAt: Date.now() });

describe('ring buffer', () => {
  it('keeps the last `capacity` items, oldest first, never more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 60 }), (capacity, items) => {
        const ring = createRingBuffer<number>(capacity);
        for (const item of items) ring.push(item);
        expect(ring.size).toBe(Math.min(capacity, items.length));
        expect(ring.toArray()).toEqual(items.slice(-capacity));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => createRingBuffer(0)).toThrow(RangeError);
    expect(() => createRingBuffer(1.5)).toThrow(RangeError);
  });
});

describe('rates', () => {
  it('are counter deltas divided by the seconds between two readings; connections are taken as they are', () => {
    const sample = rateSample(reading(1000, totals(10, 40, 2, 1)), reading(3000, totals(30, 100, 6, 1), 7, 3));
    expect(sample).toEqual({ t: 1_700_000_003_000, sockets: 7, users: 3, emitted: 10, deliveries: 30, replays: 2, resyncs: 0 });
  });

  it('count a counter that went down (a registry reset) and a zero interval as 0, never negative', () => {
    expect(rateSample(reading(0, totals(50, 50, 5, 5)), reading(500, totals(10, 60, 0, 5))).emitted).toBe(0);
    expect(rateSample(reading(0, totals(1, 1, 1, 1)), reading(0, totals(9, 9, 9, 9)))).toMatchObject({ emitted: 0, deliveries: 0, replays: 0, resyncs: 0 });
  });

  it('read the running totals from the prom-client counters: replays and resyncs apart', async () => {
    const metrics = getMetrics();
    const before = await readCounterTotals(metrics);
    metrics.replays.inc({ outcome: 'replayed' }, 2);
    metrics.replays.inc({ outcome: 'resync' });
    metrics.eventsEmitted.inc({ event: 'notification', target: 'user' }, 3);
    metrics.deliveries.inc({ target: 'room' }, 5);
    expect(await readCounterTotals(metrics)).toEqual({
      emitted: before.emitted + 3,
      deliveries: before.deliveries + 5,
      replays: before.replays + 2,
      resyncs: before.resyncs + 1,
    });
  });
});

describe('sampler on a real socket server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('samples connections, and events and deliveries per second, after real emits', async () => {
    server = await startSocketServer();
    const sampler = createMetricsSampler({ nodeId: 'node-a', capacity: 3 });
    await sampler.sample();
    expect(sampler.own().samples.at(-1)).toMatchObject({ sockets: 0, users: 0, emitted: 0, deliveries: 0 });
    const a1 = await server.connectAs('alice');
    await server.connectAs('alice');
    await server.connectAs('bob');
    const received = new Promise((resolve) => a1.once('notification', resolve));
    await gateway.emitToUser('alice', 'notification', message('hi'));
    await received;
    await settle();
    await sampler.sample();
    const last = sampler.own().samples.at(-1)!;
    expect(last).toMatchObject({ sockets: 3, users: 2 });
    expect(last.emitted).toBeGreaterThan(0);
    expect(last.deliveries).toBeGreaterThan(last.emitted);
    // Nothing happened since: the next sample's rates are back to 0; the ring keeps only 3.
    await sampler.sample();
    await sampler.sample();
    expect(sampler.own().samples).toHaveLength(3);
    expect(sampler.own().samples.at(-1)).toMatchObject({ sockets: 3, emitted: 0, deliveries: 0 });
    expect(await sampler.read()).toEqual([sampler.own()]);
  });
});

describe('nodes meet through Redis', () => {
  const redis = useRedisServer();

  it('every node reads every live node; a node that stops publishing drops out after the TTL', async () => {
    const options = { keyPrefix: 'dash-test:', ttlMs: 400 };
    const a = createMetricsSampler({ nodeId: 'node-a', board: createRedisSampleBoard(redis.client, options) });
    const b = createMetricsSampler({ nodeId: 'node-b', board: createRedisSampleBoard(redis.client, options) });
    await a.sample();
    await b.sample();
    await b.sample();
    for (const sampler of [a, b]) {
      const nodes = await sampler.read();
      expect(nodes.map((n) => n.nodeId)).toEqual(['node-a', 'node-b']);
      expect(nodes.map((n) => n.samples.length)).toEqual([1, 2]);
    }
    // A key per node, with a TTL, under the prefix.
    expect(await redis.client.pTTL('dash-test:metrics:node:node-b')).toBeGreaterThan(0);
    // node-b stops; node-a goes on publishing.
    await settle(600);
    await a.sample();
    expect((await a.read()).map((n) => n.nodeId)).toEqual(['node-a']);
    expect(await redis.client.exists('dash-test:metrics:node:node-b')).toBe(0);
    expect(await redis.client.zRange('dash-test:metrics:nodes', 0, -1)).toEqual(['node-a']);
  });

  it('answers with this node alone when Redis cannot be read, and reports why', async () => {
    const errors: Error[] = [];
    const broken = {
      ...redis.client,
      get: redis.client.get.bind(redis.client),
      eval: () => Promise.reject(new Error('down')),
      evalSha: () => Promise.reject(new Error('down')),
    };
    const sampler = createMetricsSampler({
      nodeId: 'node-c',
      board: createRedisSampleBoard(broken as never, { keyPrefix: 'dash-test-2:' }),
      onError: (e) => errors.push(e),
    });
    await sampler.sample();
    expect((await sampler.read()).map((n) => n.nodeId)).toEqual(['node-c']);
    expect(errors.map((e) => e.message)).toEqual(['down', 'down']);
  });
});

describe('metrics.dashboard', () => {
  let sampler: MetricsSampler;
  beforeAll(async () => {
    sampler = createMetricsSampler({ nodeId: 'node-a' });
    await sampler.sample();
    registerMetricsSampler(sampler);
  });
  afterAll(() => unregisterMetricsSampler(sampler));

  const session = (id: string, role: Role): Session => ({
    user: { id, name: id, role },
    expires: new Date(Date.now() + 3_600_000).toISOString(),
    signedInAt: Date.now(),
  });
  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => null,
      (error: unknown) => (error instanceof TRPCError ? error.code : error),
    );

  it('gives an admin every node’s samples', async () => {
    const answer = await createCaller({ session: session('admin', 'admin') }).metrics.dashboard();
    expect(answer.intervalMs).toBe(1000);
    expect(answer.nodes).toEqual([sampler.own()]);
    expect(answer.nodes[0]!.samples.length).toBeGreaterThan(0);
  });

  it('refuses a signed-in user who is not an admin (FORBIDDEN) and an anonymous caller (UNAUTHORIZED)', async () => {
    expect(await refusal(createCaller({ session: session('alice', 'user') }).metrics.dashboard())).toBe('FORBIDDEN');
    expect(await refusal(createCaller({ session: null }).metrics.dashboard())).toBe('UNAUTHORIZED');
  });
});
