/**
 * Nothing lost on one node (issue 11, Tests, single node): the real server.ts (production build,
 * embedded SQLite database in a temp file, no Redis) and a tab made of the browser's own socket
 * store behind a TCP proxy that cuts it off; its token fetches go through the proxy too. Nothing
 * is reloaded: the same store reconnects by itself and is replayed what it missed.
 */
import { comparePositions } from 'socket-gateway/advanced';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, signIn, startAppServer, type AppServer, type Session } from '../helpers/app-process';
import type { TestClient } from '../helpers/socket-server';
import { pastIssuedSecond } from '../helpers/token-clock';
import { messagesOf, openStoreTab, type StoreTab } from '../helpers/store-tab';

const dir = mkdtempSync(join(tmpdir(), 'single-node-replay-'));
const databasePath = join(dir, 'gateway.sqlite');
const secret = randomBytes(32).toString('base64url');
let port: number;
let app: AppServer | undefined;
let alice: Session;
let bob: Session;
let bobTab: StoreTab;

async function start(): Promise<AppServer> {
  return startAppServer({
    HOSTNAME: '127.0.0.1',
    PORT: String(port),
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_SECRET: secret,
    DATABASE_PATH: databasePath,
    EMIT_RATE_BURST: '1000',
    RECIPIENT_RATE_BURST: '1000',
  });
}

const url = () => `http://127.0.0.1:${port}`;

/** Resolves with 'connected' or the handshake's refusal. */
function handshake(token: string): Promise<string> {
  const client: TestClient = connect(url(), { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise<string>((resolve) => {
    client.once('connect', () => resolve('connected'));
    client.once('connect_error', (error) => resolve(error.message));
  }).finally(() => client.close());
}

/** Log positions `<epoch ms>-<n>` compared numerically. */
function positionsAscending(received: { position: string | undefined }[]): boolean {
  const seqs = received.map((r) => r.position?.split('-').map(BigInt) ?? [-1n, -1n]);
  return seqs.every((p, i) => i === 0 || p[0]! > seqs[i - 1]![0]! || (p[0] === seqs[i - 1]![0] && p[1]! > seqs[i - 1]![1]!));
}

beforeAll(async () => {
  port = await freePort();
  app = await start();
  [alice, bob] = [await signIn(url(), 'alice'), await signIn(url(), 'bob')];
  bobTab = await openStoreTab({ session: bob, userId: 'bob', port });
});

afterAll(async () => {
  await bobTab?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('one node, embedded database', () => {
  it('a tab cut off while 3 notifications are sent receives all 3, once each, in order, with no reload', async () => {
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'before' })).ok).toBe(true);
    await expect.poll(() => messagesOf(bobTab)).toEqual(['before']);
    const syncsBefore = bobTab.syncs.length;

    bobTab.away();
    // The tab has noticed (its socket is gone, it keeps trying) before anything is sent.
    await expect.poll(() => bobTab.store.getSnapshot().status).toBe('reconnecting');
    for (const text of ['one', 'two', 'three']) expect((await alice.mutate('notification.send', { toUserId: 'bob', message: text })).ok).toBe(true);
    expect(bobTab.store.getSnapshot().status).toBe('reconnecting');
    const back = Date.now();
    bobTab.back();
    await bobTab.waitForSyncs(syncsBefore + 1);
    console.log(`single node: reconnected and replayed ${bobTab.syncs.at(-1)?.replayed} events ${Date.now() - back} ms after the network came back`);
    expect(bobTab.syncs.at(-1)).toMatchObject({ replayed: 3, resync: false });
    expect(messagesOf(bobTab)).toEqual(['before', 'one', 'two', 'three']);

    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'live again' })).ok).toBe(true);
    await expect.poll(() => messagesOf(bobTab)).toEqual(['before', 'one', 'two', 'three', 'live again']);
    // Nothing twice: a marker sent last arrives right behind, with nothing in between.
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'marker' })).ok).toBe(true);
    await expect.poll(() => messagesOf(bobTab).at(-1)).toBe('marker');
    expect(messagesOf(bobTab)).toEqual(['before', 'one', 'two', 'three', 'live again', 'marker']);
    expect(bobTab.resyncs).toBe(0);
    expect(bobTab.store.getSnapshot()).toMatchObject({ status: 'connected', error: null, resyncedAt: null });
  });

  it('a restart (SIGTERM, then the same port and data file) keeps memberships and sign-outs; the open tab receives what was emitted after the restart, before it reconnected', async () => {
    expect((await bob.mutate('room.join', { room: 'standup' })).ok).toBe(true);
    expect((await alice.mutate('room.join', { room: 'standup' })).ok).toBe(true);
    const carol = await signIn(url(), 'carol');
    const carolToken = await carol.query<{ token: string }>('socket.token');
    if (!carolToken.ok) throw new Error(`socket.token: ${carolToken.code}`);
    await pastIssuedSecond(carolToken.data.token);
    await carol.signOut();
    expect(await handshake(carolToken.data.token)).toBe('Unauthorized');

    const seenBefore = bobTab.received.length;
    const syncsBefore = bobTab.syncs.length;
    bobTab.away(); // held off until the restarted server has emitted
    const stopped = Date.now();
    expect(await app!.stop('SIGTERM')).toBe(0);
    app = await start();
    console.log(`single node: restarted in ${Date.now() - stopped} ms`);

    // Memberships and sign-outs survived the restart.
    expect(await bob.query('room.mine')).toEqual({ ok: true, data: { rooms: ['standup'] } });
    expect(await handshake(carolToken.data.token)).toBe('Unauthorized');
    expect(await carol.query('socket.token')).toMatchObject({ ok: false, code: 'UNAUTHORIZED' });

    // Emitted after the restart, while bob's tab is still away.
    expect((await alice.mutate('notification.send', { toUserId: 'bob', message: 'after the restart' })).ok).toBe(true);
    expect((await alice.mutate('room.post', { room: 'standup', message: 'standup in 5' })).ok).toBe(true);
    expect(bobTab.received.length).toBe(seenBefore);

    bobTab.back();
    await bobTab.waitForSyncs(syncsBefore + 1);
    // Everything addressed to bob since he was cut off, in log order; presence:changed (his own
    // offline and online in standup) comes along as any room event does.
    // (What arrives after the sync is live: bob's own "online" in standup, announced when he came
    // back to a node whose presence started empty, may already be there.)
    const sync = bobTab.syncs.at(-1)!;
    const replayed = bobTab.received.slice(seenBefore).filter((r) => r.position !== undefined && comparePositions(r.position, sync.position) <= 0);
    expect(sync).toMatchObject({ replayed: replayed.length, resync: false });
    expect(replayed.filter((r) => r.event !== 'presence:changed').map((r) => `${r.event}:${r.data.message}`)).toEqual([
      'notification:after the restart',
      'room:message:standup in 5',
    ]);
    expect(positionsAscending(replayed)).toBe(true);
    expect(bobTab.resyncs).toBe(0);
    expect(bobTab.store.getSnapshot().status).toBe('connected');

    // And live delivery (the room membership included) goes on.
    expect((await alice.mutate('room.post', { room: 'standup', message: 'live post' })).ok).toBe(true);
    await expect.poll(() => bobTab.received.at(-1)).toMatchObject({ event: 'room:message', data: { message: 'live post', room: 'standup' } });
  });
});
