/**
 * Presence cannot be used as a flood (issue 18, item 6; attacks-3 F2). One user opening and
 * closing sockets as fast as it can used to send every member of its rooms one `presence:changed`
 * per open and per close (224–581 a second) and append one log row per event per room
 * (11,000–20,000 a second). Now announcements wait for the change to settle (the grace) and
 * handshakes per user are on a token bucket. Real server, real socket.io-client connections, the
 * real browser socket store; the numbers are logged (`presence flood: …`).
 *
 * Run: npx vitest run test/integration/presence-flood.test.ts
 */
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { getMetrics, type PresenceChange } from 'socket-gateway/advanced';
import { createSocketStore, type SocketStore } from 'socket-gateway/react';
import { collectEvents, settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import type { AppEvents } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';

const FLAP_MS = 3_000;
/** Rooms the flapper is in besides the victim's: each announcement is one log row per room. */
const EXTRA_ROOMS = 20;
const FLAPPERS = 3;

let server: TestServer | undefined;
let store: SocketStore | undefined;
afterEach(async () => {
  store?.stop();
  await server?.stop();
  [server, store] = [undefined, undefined];
});

async function presenceRows(): Promise<number> {
  const { values } = await getMetrics().eventsEmitted.get();
  return values.filter((value) => value.labels.event === 'presence:changed').reduce((sum, value) => sum + value.value, 0);
}

/** `loops` clients of `userId` opening and closing sockets back to back for `ms`: how many opened and were refused. */
async function flap(url: string, userId: string, ms: number, loops: number): Promise<{ opened: number; refused: number; reasons: Set<string> }> {
  const { token } = await mintSocketToken(userId);
  const until = Date.now() + ms;
  const result = { opened: 0, refused: 0, reasons: new Set<string>() };
  const loop = async () => {
    while (Date.now() < until) {
      const client = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
      await new Promise<void>((resolve) => {
        client.once('connect', () => {
          result.opened += 1;
          resolve();
        });
        client.once('connect_error', (error) => {
          result.refused += 1;
          result.reasons.add(error.message);
          resolve();
        });
      });
      client.disconnect();
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return result;
}

/** mallory and the victim alice share `lobby`; mallory is in EXTRA_ROOMS more. */
async function scene(s: TestServer) {
  const { membership } = s.stores;
  await membership.join('alice', 'lobby', 100);
  await membership.join('mallory', 'lobby', 100);
  for (let i = 0; i < EXTRA_ROOMS; i += 1) await membership.join('mallory', `side-${i}`, 100);
  const alice = await s.connectAs('alice');
  await settle(200);
  return collectEvents(alice, 'presence:changed') as PresenceChange[];
}

async function measure(s: TestServer, label: string) {
  const seen = await scene(s);
  const rowsBefore = await presenceRows();
  const started = Date.now();
  const cycles = await flap(s.url, 'mallory', FLAP_MS, FLAPPERS);
  const seconds = (Date.now() - started) / 1000;
  await settle(300);
  const fromMallory = seen.filter((change) => change.userId === 'mallory');
  const rows = (await presenceRows()) - rowsBefore;
  console.log(
    `presence flood (${label}): ${cycles.opened} sockets opened and ${cycles.refused} refused in ${seconds.toFixed(1)} s; ` +
      `alice got ${fromMallory.length} presence events (${(fromMallory.length / seconds).toFixed(1)}/s); ` +
      `${rows} presence log rows (${(rows / seconds).toFixed(1)}/s)`,
  );
  return { cycles, fromMallory, rows, seen };
}

describe('one user flapping sockets as fast as it can for 3 s', () => {
  it('with the defaults: handshakes are rate-limited, and a room member gets at most a few presence events', async () => {
    server = await startSocketServer();
    const { cycles, fromMallory, rows, seen: all } = await measure(server, 'defaults');
    expect(cycles.opened).toBeGreaterThan(0);
    // Past the burst, handshakes are refused with the retry-later error.
    expect(cycles.refused).toBeGreaterThan(0);
    expect([...cycles.reasons].every((reason) => /^Too many connection attempts: try again in \d+ s$/.test(reason))).toBe(true);
    // Generous bounds: the old code sent hundreds of events and tens of thousands of rows here.
    expect(fromMallory.length).toBeLessThanOrEqual(6);
    expect(rows).toBeLessThanOrEqual(6 * (EXTRA_ROOMS + 1));
    // And what alice is told ends true: once mallory stops, "offline", after the grace.
    await expect
      .poll(() => all.filter((change) => change.userId === 'mallory').at(-1), { timeout: 10_000 })
      .toEqual({ room: 'lobby', userId: 'mallory', online: false });
  });

  it('without a handshake limit, the announcements alone stay bounded (the grace coalesces every flap)', async () => {
    server = await startSocketServer({ handshakeRate: { ratePerSecond: 100_000, burst: 100_000 } });
    const { cycles, fromMallory, rows, seen: all } = await measure(server, 'no handshake limit');
    expect(cycles.refused).toBe(0);
    expect(cycles.opened).toBeGreaterThan(30); // it really flapped
    // Online once at the start; nothing while the flapping goes on (each close is followed by an open within the grace).
    expect(fromMallory.length).toBeLessThanOrEqual(3);
    expect(rows).toBeLessThanOrEqual(3 * (EXTRA_ROOMS + 1));
    // Once mallory stops, the room hears "offline" once, after the grace.
    await expect
      .poll(() => all.filter((change) => change.userId === 'mallory').at(-1), { timeout: 10_000 })
      .toEqual({ room: 'lobby', userId: 'mallory', online: false });
  });
});

describe('a handshake refused for its rate', () => {
  it('is retried later by the browser socket store, which connects once the bucket has a token again', async () => {
    server = await startSocketServer({ handshakeRate: { ratePerSecond: 1, burst: 1 } });
    const first = await server.connectAs('bob'); // takes the only token
    first.disconnect();
    store = createSocketStore<AppEvents>({
      getToken: async () => (await mintSocketToken('bob')).token,
      url: server.url,
      options: { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 },
    });
    const statuses: string[] = [];
    store.subscribe(() => {
      const { status, error } = store!.getSnapshot();
      statuses.push(`${status}${error ? `: ${error}` : ''}`);
    });
    store.start('bob');
    await expect.poll(() => store!.getSnapshot().status, { timeout: 10_000 }).toBe('connected');
    expect(statuses).toContainEqual(expect.stringMatching(/^connecting: Too many connection attempts: try again in \d+ s$/));
    expect(statuses).not.toContain('disconnected');
  });
});
