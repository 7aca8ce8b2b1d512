/**
 * Several servers on one Redis (issue 10, Tests): two real server.ts nodes (production build)
 * on one real redis-server, driven over HTTP and Socket.IO the way browsers and a worker would.
 * One cluster for the whole file; the tests that stop or kill a node, or Redis, come last and
 * leave the cluster running again. Nothing waits a fixed time: positive checks wait for their
 * condition with a deadline a loaded machine meets (WAIT), and "nothing else arrived" is shown
 * by a marker broadcast after it (`deliveredBefore`): each node delivers the log in order.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { io as connect } from 'socket.io-client';
import type { PresenceChange } from 'socket-gateway/advanced';
import { openSocket, sessionWithCookie, signIn, type Session } from '../helpers/app-process';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster';
import { pastIssuedSecond } from '../helpers/token-clock';
import type { AppEmitter } from '../helpers/cluster';
import { collectEvents, nextDisconnect, type TestClient } from '../helpers/socket-server';

const MAX_CONNECTIONS = 3;
/** How long a check may wait for its condition before it fails: far more than an idle machine needs. */
const WAIT = { timeout: 30_000, interval: 50 };

let cluster: Cluster;
let A: ClusterNode;
let B: ClusterNode;
/** Sessions signed in on A; their cookies work on B too (one NEXTAUTH_SECRET). */
const sessions: Record<'alice' | 'bob' | 'carol' | 'admin', Session> = {} as never;
const opened: TestClient[] = [];

/** `user`'s session, talking to `node`. */
const on = (node: ClusterNode, user: keyof typeof sessions) => sessionWithCookie(node.url, sessions[user].cookie);

/** A socket of `user` on `node` (token minted by that node), closed after the test. */
async function tab(node: ClusterNode, user: keyof typeof sessions): Promise<TestClient> {
  const client = await openSocket(node.url, on(node, user));
  opened.push(client);
  return client;
}

/** Connects with a token minted on `node`; resolves with the refusal's message, or 'connected'. */
async function tryConnect(node: ClusterNode, user: keyof typeof sessions): Promise<string> {
  const minted = await on(node, user).query<{ token: string }>('socket.token');
  if (!minted.ok) throw new Error(`socket.token: ${minted.code}`);
  const client: TestClient = connect(node.url, { auth: { token: minted.data.token }, transports: ['websocket'], reconnection: false, forceNew: true });
  opened.push(client);
  return new Promise((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('connect_error', (error) => resolve(error.message));
  });
}

let emitterOnce: Promise<AppEmitter> | undefined;
/** One emitter in this process for the markers and the presence checks (closed with the cluster). */
const testEmitter = () => (emitterOnce ??= cluster.emitter());
let markers = 0;
const MARKER_FROM = 'marker';
/** Leaves out the markers of `deliveredBefore` from what a client collected. */
const withoutMarkers = <T extends { from: string }>(received: T[]) => received.filter((m) => m.from !== MARKER_FROM);

/**
 * Broadcasts a marker announcement through the log (from this process, as a worker would) and
 * waits until every client in `clients` has it: anything sent before it would have reached them
 * by then. Proves an absence without sleeping.
 */
async function deliveredBefore(clients: TestClient[]): Promise<void> {
  const id = `marker-${++markers}`;
  const seen = clients.map((client) => collectEvents(client, 'announcement'));
  await (await testEmitter()).broadcast('announcement', { id, from: MARKER_FROM, message: id, sentAt: Date.now() });
  await vi.waitFor(() => expect(seen.map((list) => list.some((m) => m.id === id))).toEqual(clients.map(() => true)), WAIT);
}

async function health(node: ClusterNode): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL('/api/health', node.url));
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  cluster = await startCluster({ keyPrefix: 'cluster-two-nodes:', env: { SOCKET_MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS) } });
  [A, B] = cluster.nodes as [ClusterNode, ClusterNode];
  for (const user of ['alice', 'bob', 'carol', 'admin'] as const) sessions[user] = await signIn(A.url, user);
});

afterEach(async () => {
  for (const client of opened.splice(0)) client.disconnect();
  // A test that failed half-way may have left a node (or Redis) down: the next one needs them.
  for (const node of cluster.nodes) if (!node.app) await cluster.start(node);
  // The nodes count the closed sockets out (presence) before the next test counts connections.
  const emitter = await testEmitter();
  await vi.waitFor(async () => expect(await emitter.areOnline(['alice', 'bob', 'carol', 'admin'])).toEqual([false, false, false, false]), WAIT);
});

afterAll(async () => {
  await cluster?.stop();
});

describe('two nodes on one Redis', () => {
  it("a notification sent through A reaches the user's sockets on A and on B, and nobody else", async () => {
    const [bobA, bobB, carolA, carolB, aliceB, adminB] = [
      await tab(A, 'bob'),
      await tab(B, 'bob'),
      await tab(A, 'carol'),
      await tab(B, 'carol'),
      await tab(B, 'alice'),
      await tab(B, 'admin'),
    ];
    const [bobOnA, bobOnB] = [collectEvents(bobA, 'notification'), collectEvents(bobB, 'notification')];
    const others = [carolA, carolB, aliceB, adminB].map((client) => collectEvents(client, 'notification'));

    const sent = await on(A, 'alice').mutate<{ id: string }>('notification.send', { toUserId: 'bob', message: 'across nodes' });
    expect(sent.ok).toBe(true);
    await vi.waitFor(() => expect([bobOnA.length, bobOnB.length]).toEqual([1, 1]), WAIT);
    expect(bobOnA[0]).toMatchObject({ from: 'alice', message: 'across nodes' });
    expect(bobOnB[0]).toEqual(bobOnA[0]);
    await deliveredBefore([bobA, bobB, carolA, carolB, aliceB, adminB]);
    expect([bobOnA.length, bobOnB.length]).toEqual([1, 1]);
    expect(others).toEqual([[], [], [], []]);
  });

  it("a room joined through A moves the user's socket on B; room.mine agrees on both nodes; leaving through B takes it out", async () => {
    const bobB = await tab(B, 'bob');
    const carolB = await tab(B, 'carol');
    const bobSaw = collectEvents(bobB, 'room:message');
    const carolSaw = collectEvents(carolB, 'room:message');
    // membership:changed reaches bob's socket on B through the shared log, in order with the room's posts.
    const bobOrder: string[] = [];
    bobB.on('membership:changed', ({ room, member }) => bobOrder.push(`${member ? 'joined' : 'left'} ${room}`));
    bobB.on('room:message', ({ message }) => bobOrder.push(`post ${message}`));

    expect((await on(A, 'bob').mutate('room.join', { room: 'ops' })).ok).toBe(true);
    expect((await on(B, 'alice').mutate('room.join', { room: 'ops' })).ok).toBe(true);
    expect(await on(A, 'bob').query('room.mine')).toEqual({ ok: true, data: { rooms: ['ops'] } });
    expect(await on(B, 'bob').query('room.mine')).toEqual({ ok: true, data: { rooms: ['ops'] } });

    // Posted through A; bob's only socket is on B and was open before he joined.
    expect((await on(A, 'alice').mutate('room.post', { room: 'ops', message: 'deploy at 5' })).ok).toBe(true);
    await vi.waitFor(() => expect(bobSaw.map((m) => m.message)).toEqual(['deploy at 5']), WAIT);
    expect(bobSaw[0]).toMatchObject({ room: 'ops', from: 'alice' });

    expect((await on(B, 'bob').mutate('room.leave', { room: 'ops' })).ok).toBe(true);
    expect(await on(A, 'bob').query('room.mine')).toEqual({ ok: true, data: { rooms: [] } });
    expect(await on(B, 'bob').query('room.mine')).toEqual({ ok: true, data: { rooms: [] } });
    expect((await on(A, 'alice').mutate('room.post', { room: 'ops', message: 'after bob left' })).ok).toBe(true);
    await deliveredBefore([bobB, carolB]);
    expect(bobSaw.map((m) => m.message)).toEqual(['deploy at 5']);
    expect(carolSaw).toEqual([]);
    expect(bobOrder).toEqual(['joined ops', 'post deploy at 5', 'left ops']);
  });

  it('an admin broadcast sent through B reaches every socket on both nodes, once', async () => {
    const clients = [await tab(A, 'alice'), await tab(B, 'bob'), await tab(A, 'carol'), await tab(B, 'carol'), await tab(A, 'admin')];
    const seen = clients.map((client) => collectEvents(client, 'announcement'));
    expect((await on(B, 'admin').mutate('announcement.broadcast', { message: 'maintenance at noon' })).ok).toBe(true);
    await vi.waitFor(() => expect(seen.map((s) => s.length)).toEqual([1, 1, 1, 1, 1]), WAIT);
    await deliveredBefore(clients);
    expect(seen.map((s) => withoutMarkers(s).map((m) => `${m.from}:${m.message}`))).toEqual(Array(5).fill(['admin:maintenance at noon']));
    // A user may not broadcast, through either node.
    expect(await on(A, 'bob').mutate('announcement.broadcast', { message: 'me too' })).toMatchObject({ ok: false, code: 'FORBIDDEN' });
  });

  it("signing out through A closes the user's sockets on B, and B refuses the token minted before", async () => {
    const carolB1 = await tab(B, 'carol');
    const carolB2 = await tab(B, 'carol');
    const carolA = await tab(A, 'carol');
    const aliceB = await tab(B, 'alice');
    const earlier = await on(B, 'carol').query<{ token: string }>('socket.token');
    if (!earlier.ok) throw new Error(`socket.token: ${earlier.code}`);
    // Socket tokens carry a whole-second issue time: the sign-out must come in a later second.
    await pastIssuedSecond(earlier.data.token);

    const closed = Promise.all([nextDisconnect(carolB1), nextDisconnect(carolB2), nextDisconnect(carolA)]);
    await sessions.carol.signOut(); // the session talks to A
    expect(await closed).toEqual(['io server disconnect', 'io server disconnect', 'io server disconnect']);

    const replay: TestClient = connect(B.url, { auth: { token: earlier.data.token }, transports: ['websocket'], reconnection: false, forceNew: true });
    opened.push(replay);
    const refused = await new Promise<string>((resolve) => {
      replay.once('connect', () => resolve('connected'));
      replay.once('connect_error', (error) => resolve(error.message));
    });
    expect(refused).toBe('Unauthorized');
    // The old session cookie is refused by B too (sign-outs are shared through Redis).
    expect(await on(B, 'carol').query('socket.token')).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });
    expect(aliceB.connected).toBe(true);

    // Signing in again works (on the other node, for that matter), for the tests that follow.
    sessions.carol = await signIn(B.url, 'carol');
    expect(await tryConnect(A, 'carol')).toBe('connected');
  });

  it(`the per-user connection cap (${MAX_CONNECTIONS}) counts sockets on both nodes, and a freed slot is usable again at once`, async () => {
    const first = await tab(A, 'bob');
    await tab(A, 'bob');
    await tab(B, 'bob');
    const refusal = `Too many connections: at most ${MAX_CONNECTIONS} per user`;
    expect(await tryConnect(B, 'bob')).toBe(refusal);
    expect(await tryConnect(A, 'bob')).toBe(refusal);
    // Other users are not affected.
    expect(await tryConnect(B, 'alice')).toBe('connected');

    const gone = nextDisconnect(first);
    first.disconnect();
    await gone;
    // The server counts the socket out when its disconnect packet arrives; allow that round trip.
    await vi.waitFor(async () => expect(await tryConnect(B, 'bob')).toBe('connected'), WAIT);
    expect(await tryConnect(A, 'bob')).toBe(refusal);
  });

  it('npm run emit, from a third process, reaches sockets on both nodes; a payload of the wrong shape exits 1 with the reason and delivers nothing', async () => {
    const bobA = await tab(A, 'bob');
    const bobB = await tab(B, 'bob');
    const carolB = await tab(B, 'carol');
    const seen = [bobA, bobB, carolB].map((client) => collectEvents(client, 'notification'));
    const announced = [bobA, bobB, carolB].map((client) => collectEvents(client, 'announcement'));

    // Three separate processes, as a shell or a cron job would run them (concurrently: each takes ~2 s to start).
    const payload = { id: 'cli-1', from: 'cron', message: 'backup done', sentAt: Date.now() };
    const [ok, all, bad] = await Promise.all([
      cluster.npmEmit(['notification', '--to-user', 'bob', '--data', JSON.stringify(payload)]),
      cluster.npmEmit(['announcement', '--all', '--data', JSON.stringify({ ...payload, id: 'cli-2', message: 'to everyone' })]),
      cluster.npmEmit(['notification', '--to-user', 'bob', '--data', JSON.stringify({ id: 'cli-3', from: 'cron', message: 42 })]),
    ]);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('emit: notification accepted') });
    expect(all).toMatchObject({ code: 0, stdout: expect.stringContaining('emit: announcement accepted') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('emit: Payload of "notification" does not match its schema: message: Invalid input: expected string, received number');

    await vi.waitFor(() => expect(seen.map((s) => s.length)).toEqual([1, 1, 0]), WAIT);
    expect(seen[0]).toEqual([payload]);
    expect(seen[1]).toEqual([payload]);
    await vi.waitFor(() => expect(announced.map((s) => s.map((m) => m.message))).toEqual([['to everyone'], ['to everyone'], ['to everyone']]), WAIT);
    // Nothing of the refused payload arrives anywhere.
    await deliveredBefore([bobA, bobB, carolB]);
    expect(seen.map((s) => s.length)).toEqual([1, 1, 0]);
  });

  describe('presence', () => {
    /** alice (socket on A) and carol share a room; alice watches presence:changed. */
    async function presenceScene(room: string) {
      expect((await on(A, 'alice').mutate('room.join', { room })).ok).toBe(true);
      expect((await on(A, 'carol').mutate('room.join', { room })).ok).toBe(true);
      const aliceA = await tab(A, 'alice');
      const changes = collectEvents(aliceA, 'presence:changed') as PresenceChange[];
      // No wait for an "online" event: carol's tabs closed by the previous test less than the grace
      // (PRESENCE_GRACE_MS) ago did not make her offline, so her room may hear nothing now.
      const carolB = await tab(B, 'carol');
      expect(await on(A, 'alice').query('presence.user', { userId: 'carol' })).toEqual({ ok: true, data: { userId: 'carol', online: true } });
      expect(await on(B, 'alice').query('presence.room', { room })).toEqual({
        ok: true,
        data: {
          members: [
            { userId: 'alice', online: true },
            { userId: 'carol', online: true },
          ],
        },
      });
      return { changes, carolB };
    }

    async function expectCarolOffline(room: string) {
      expect(await on(A, 'alice').query('presence.user', { userId: 'carol' })).toEqual({ ok: true, data: { userId: 'carol', online: false } });
      expect(await on(A, 'alice').query('presence.room', { room })).toEqual({
        ok: true,
        data: {
          members: [
            { userId: 'alice', online: true },
            { userId: 'carol', online: false },
          ],
        },
      });
    }

    it('after a graceful stop of B: carol is offline at once, and alice (on A) is told once the grace has passed', async () => {
      const { changes, carolB } = await presenceScene('lounge');
      const closed = nextDisconnect(carolB);
      const stopped = Date.now();
      await cluster.kill(B, 'SIGTERM');
      expect(await closed).toBe('transport close');
      // B is gone: A settles carol PRESENCE_GRACE_MS (3 s) after her socket closed (presence-announcer.ts).
      await vi.waitFor(() => expect(changes).toContainEqual({ room: 'lounge', userId: 'carol', online: false }), WAIT);
      expect(changes.filter((change) => change.userId === 'carol' && !change.online)).toHaveLength(1);
      console.log(`presence: offline event ${Date.now() - stopped} ms after SIGTERM to B`);
      await expectCarolOffline('lounge');
      await cluster.start(B);
    });

    it('after SIGKILL of B: carol is offline within a few seconds, in the queries and in a presence:changed event', async () => {
      const { changes, carolB } = await presenceScene('den');
      const closed = nextDisconnect(carolB);
      const killed = Date.now();
      await cluster.kill(B, 'SIGKILL');
      expect(await closed).toBe('transport close');
      await vi.waitFor(async () => expect(await on(A, 'alice').query('presence.user', { userId: 'carol' })).toMatchObject({ data: { online: false } }), WAIT);
      console.log(`presence: offline in presence.user ${Date.now() - killed} ms after SIGKILL of B`);
      await expectCarolOffline('den');
      // Lease (3 s) + a dead node's grace (PRESENCE_NODE_LOSS_GRACE_MS, 10 s) + a heartbeat tick.
      await vi.waitFor(() => expect(changes).toContainEqual({ room: 'den', userId: 'carol', online: false }), WAIT);
      console.log(`presence: offline event ${Date.now() - killed} ms after SIGKILL of B`);
      await cluster.start(B);
    });
  });

  it('Redis restarted in the middle: while it is down /api/health answers 503 naming redis and emits fail loudly; afterwards everything works again without restarting the nodes', async () => {
    const bobA = await tab(A, 'bob');
    const bobB = await tab(B, 'bob');
    const seen = [bobA, bobB].map((client) => collectEvents(client, 'notification'));
    const emitter = await cluster.emitter();

    await cluster.redis.stop();
    const down = Date.now();
    for (const node of [A, B]) {
      await vi.waitFor(
        async () =>
          expect(await health(node)).toEqual({
            status: 503,
            body: { status: 'degraded', dependencies: { redis: 'down' }, credentialsResetAt: expect.any(Number) },
          }),
        WAIT,
      );
    }
    console.log(`redis down: both nodes report it ${Date.now() - down} ms after redis-server stopped`);
    const failed = await on(A, 'alice').mutate('notification.send', { toUserId: 'bob', message: 'while redis is down' });
    expect(failed.ok).toBe(false);
    console.log(`redis down: notification.send answered ${JSON.stringify(failed)}`);
    await expect(
      emitter.emitToUser('bob', 'notification', { id: 'e-down', from: 'worker', message: 'while redis is down', sentAt: Date.now() }),
    ).rejects.toThrow();
    // The nodes keep serving the sockets they hold.
    expect([bobA.connected, bobB.connected]).toEqual([true, true]);

    await cluster.redis.restart(); // same port; empty (no persistence)
    const up = Date.now();
    for (const node of [A, B]) {
      await vi.waitFor(
        async () =>
          expect(await health(node)).toEqual({ status: 200, body: { status: 'ok', dependencies: { redis: 'up' }, credentialsResetAt: expect.any(Number) } }),
        WAIT,
      );
    }
    console.log(`redis back: both nodes healthy ${Date.now() - up} ms after redis-server restarted`);

    // Redis came back empty: no node can tell who signed out before, so every credential issued
    // before is refused (attacks-3 F5) and everyone signs in again. The sockets held throughout stay.
    await vi.waitFor(async () => expect(await on(A, 'alice').query('socket.token')).toMatchObject({ ok: false, code: 'UNAUTHORIZED' }), { timeout: 5000 });
    for (const node of [A, B]) {
      await vi.waitFor(async () => expect(((await health(node)).body as { credentialsResetAt: number }).credentialsResetAt).toBeGreaterThanOrEqual(up - 1), {
        timeout: 5000,
      });
    }
    for (const user of ['alice', 'bob', 'carol', 'admin'] as const) sessions[user] = await signIn(A.url, user);

    // Delivery across nodes, through a node and through the emitter.
    await vi.waitFor(
      async () => {
        expect((await on(A, 'alice').mutate('notification.send', { toUserId: 'bob', message: 'after the restart' })).ok).toBe(true);
        expect(seen.map((s) => s.some((m) => m.message === 'after the restart'))).toEqual([true, true]);
      },
      { ...WAIT, interval: 500 },
    ); // each try sends a notification
    console.log(`redis back: notifications across nodes ${Date.now() - up} ms after redis-server restarted`);
    await emitter.emitToUser('bob', 'notification', { id: 'e-up', from: 'worker', message: 'from the emitter', sentAt: Date.now() });
    await vi.waitFor(() => expect(seen.map((s) => s.filter((m) => m.message === 'from the emitter').length)).toEqual([1, 1]), WAIT);
    expect([bobA.connected, bobB.connected]).toEqual([true, true]);

    // Rooms, broadcasts, sign-outs and presence work again, on new sockets as on the ones held throughout.
    expect((await on(A, 'carol').mutate('room.join', { room: 'after' })).ok).toBe(true);
    const carolB = await tab(B, 'carol');
    const carolSaw = collectEvents(carolB, 'room:message');
    expect((await on(B, 'alice').mutate('room.join', { room: 'after' })).ok).toBe(true);
    expect((await on(A, 'alice').mutate('room.post', { room: 'after', message: 'rooms work' })).ok).toBe(true);
    await vi.waitFor(() => expect(carolSaw.map((m) => m.message)).toEqual(['rooms work']), WAIT);
    const announced = [bobA, carolB].map((client) => collectEvents(client, 'announcement'));
    expect((await on(B, 'admin').mutate('announcement.broadcast', { message: 'all clear' })).ok).toBe(true);
    await vi.waitFor(() => expect(announced.map((s) => s.length)).toEqual([1, 1]), WAIT);
    expect(await on(B, 'alice').query('presence.user', { userId: 'carol' })).toMatchObject({ data: { online: true } });
    // bob's sockets were open throughout: Redis restarted empty, and each node counted its own sockets in again.
    // (bob asks about himself: his rooms went with Redis, and presence.user answers only about yourself or a roommate.)
    await vi.waitFor(async () => expect(await on(A, 'bob').query('presence.user', { userId: 'bob' })).toMatchObject({ data: { online: true } }), WAIT);
    expect(await tryConnect(A, 'bob')).toBe('connected'); // his third slot
    expect(await tryConnect(B, 'bob')).toBe(`Too many connections: at most ${MAX_CONNECTIONS} per user`);
  });
});
