/**
 * Metrics (issue 13) on a real server on port 0 with real clients: the counters and gauges of
 * src/socket-gateway/observability/metrics.ts move when a socket connects, when a handshake is refused (each
 * reason), when an event is emitted and delivered, and when a reconnecting client is replayed
 * to or told to resync. No label value is a user id or a room name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gateway } from '@/server/gateway';
import { mintSocketToken } from '../helpers/socket-token';
import { getMetrics } from 'socket-gateway/advanced';
import type { MessagePayload } from '@/events';
import { pollingRequest } from '../helpers/raw-client';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const message = (text: string): MessagePayload => ({
  id: text,
  from: 'server',
  message: text,
  sentAt: Date.now(),
});

/** The current value of metric `name` with exactly `labels` (0 when never counted). */
async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = getMetrics().registry.getSingleMetric(`socket_gateway_${name}`);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const found = values.find((v) => Object.keys(labels).length === Object.keys(v.labels).length && Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
}

/** Runs `action` and returns how much metric `name` (with `labels`) grew meanwhile. */
async function growth(name: string, labels: Record<string, string>, action: () => Promise<unknown>): Promise<number> {
  const before = await value(name, labels);
  await action();
  await settle();
  return (await value(name, labels)) - before;
}

const handshakes = (outcome: string, action: () => Promise<unknown>) => growth('handshakes_total', { outcome }, action);
const refused = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    () => undefined,
  );

describe('connections', () => {
  it('counts accepted handshakes, sockets and distinct users per node', async () => {
    server = await startSocketServer();
    const srv = server;
    expect(
      await handshakes('accepted', async () => {
        await srv.connectAs('alice');
        await srv.connectAs('alice');
        await srv.connectAs('bob');
      }),
    ).toBe(3);
    expect(await value('sockets_connected')).toBe(3);
    expect(await value('users_connected')).toBe(2);
    srv.clients[2]!.disconnect();
    await settle();
    expect(await value('sockets_connected')).toBe(2);
    expect(await value('users_connected')).toBe(1);
  });

  it('counts refusals by reason: unauthorized, origin, cap (per user and per server), flood, draining', async () => {
    server = await startSocketServer({
      allowedOrigins: ['https://app.example.com'],
      maxConnectionsPerUser: 1,
      handshakeLimits: { maxUnauthenticatedPerAddress: 1 },
    });
    const srv = server;
    expect(await handshakes('unauthorized', () => refused(srv.connect({ token: 'garbage' })))).toBe(1);
    expect(await handshakes('origin', () => pollingRequest(srv.url, { origin: 'https://evil.example' }))).toBe(1);
    await srv.connectAs('alice');
    expect(await handshakes('cap', () => refused(srv.connectAs('alice')))).toBe(1);
    // One half-open session is allowed from this address; the second is a handshake flood.
    expect(
      await handshakes('flood', async () => {
        expect((await pollingRequest(srv.url)).status).toBe(200);
        expect((await pollingRequest(srv.url)).status).toBe(403);
      }),
    ).toBe(1);
    srv.drain();
    expect(await handshakes('draining', () => pollingRequest(srv.url))).toBe(1);
  });

  it('counts a server at its session cap as "cap"', async () => {
    server = await startSocketServer({
      handshakeLimits: { maxConnections: 1 },
    });
    const srv = server;
    await srv.connectAs('alice');
    expect(await handshakes('cap', async () => expect((await pollingRequest(srv.url)).status).toBe(403))).toBe(1);
  });
});

describe('events', () => {
  it('counts an emit by event name and target kind, the sockets it reached, and the bytes sent', async () => {
    server = await startSocketServer();
    const [a1, a2] = [await server.connectAs('alice'), await server.connectAs('alice')];
    await server.connectAs('bob');
    const received = Promise.all([a1, a2].map((c) => new Promise((resolve) => c.once('notification', resolve))));
    const bytesBefore = await value('bytes_out_total');
    const delivered = await growth('deliveries_total', { target: 'user' }, async () => {
      expect(
        await growth('events_emitted_total', { event: 'notification', target: 'user' }, () => gateway.emitToUser('alice', 'notification', message('hi'))),
      ).toBe(1);
      await received;
    });
    expect(delivered).toBe(2);
    expect(await value('bytes_out_total')).toBeGreaterThan(bytesBefore + 2 * 'hi'.length);
    expect(await growth('deliveries_total', { target: 'all' }, () => gateway.broadcast('announcement', message('all')))).toBe(3);
  });
});

describe('replays', () => {
  it('counts a replay with the events it carried, and a resync', async () => {
    server = await startSocketServer();
    const srv = server;
    const first = await srv.connectAs('alice');
    const sync = {
      epoch: await srv.log.epoch(),
      position: await srv.log.head(),
    };
    first.disconnect();
    await settle();
    await gateway.emitToUser('alice', 'notification', message('missed 1'));
    await gateway.emitToUser('alice', 'notification', message('missed 2'));

    const resume = async (epoch: string) => {
      const { token } = await mintSocketToken('alice');
      const client = await srv.connect({
        token,
        resume: { epoch, position: sync.position },
      });
      await settle(200); // the replay and gateway:sync
      client.disconnect();
    };
    const replayedEvents = await growth('events_replayed_total', {}, async () => {
      expect(await growth('replays_total', { outcome: 'replayed' }, () => resume(sync.epoch))).toBe(1);
    });
    expect(replayedEvents).toBe(2);
    expect(await growth('replays_total', { outcome: 'resync' }, () => resume('another-epoch'))).toBe(1);
  });
});

describe('labels', () => {
  it('never carry a user id or a room name', async () => {
    server = await startSocketServer();
    await server.connectAs('user-secret-id');
    await gateway.emitToUser('user-secret-id', 'notification', message('x'));
    await settle();
    const text = await getMetrics().registry.metrics();
    expect(text).toContain('socket_gateway_handshakes_total{outcome="accepted"}');
    expect(text).not.toContain('user-secret-id');
  });
});
