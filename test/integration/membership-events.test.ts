/**
 * Membership is live in every tab (issue 18, item 2): a room joined or left through the API
 * (`gateway.enterRoom` / `exitRoom` server-side, the `room.join` / `room.leave` procedures) tells
 * every open tab of that user with `membership:changed`, through the event log: in log order
 * before the room's next post, and replayed to a tab that was away. A real Socket.IO server on
 * port 0 and real socket.io-client connections (and the browser's own socket store for replay).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCaller } from '@/server/trpc/root';
import { type SyncInfo } from 'socket-gateway';
import { gateway } from '@/server/gateway';
import type { RoomMessagePayload, AppEvents } from '@/events';
import { mintSocketToken } from '../helpers/socket-token';
import { createSocketStore, type SocketStore } from 'socket-gateway/react';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { settle, startSocketServer, type TestClient, type TestServer } from '../helpers/socket-server';

const alice = { id: 'alice', role: 'user' };
const bob = { id: 'bob', role: 'user' };
const as = (id: string) =>
  createCaller({ session: { user: { id, name: id, role: 'user' }, expires: new Date(Date.now() + 3_600_000).toISOString(), signedInAt: Date.now() } });
const post = (room: string, text: string): RoomMessagePayload => ({ id: text, from: 'bob', message: text, sentAt: Date.now(), room });

/** Every event `client` receives from now on, as `event room [detail]`, in arrival order. */
function record(client: TestClient): string[] {
  const seen: string[] = [];
  client.onAny((event: string, payload: { room?: string; member?: boolean; message?: string }) => {
    if (event === 'membership:changed') seen.push(`${event} ${payload.room} ${payload.member ? 'joined' : 'left'}`);
    else if (event === 'room:message') seen.push(`${event} ${payload.room} ${payload.message}`);
    else seen.push(event);
  });
  return seen;
}

let server: TestServer | undefined;
const proxies: TcpProxy[] = [];
const stores: SocketStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) store.stop();
  for (const proxy of proxies.splice(0)) await proxy.close();
  await server?.stop();
  server = undefined;
});

describe('membership:changed', () => {
  it('enterRoom from the API: both sockets of the user get it, in order before the room’s next post; exitRoom: they get the leave and no later post', async () => {
    server = await startSocketServer();
    await gateway.enterRoom(bob, 'ops');
    const [tab1, tab2] = [await server.connectAs('alice'), await server.connectAs('alice')];
    const [seen1, seen2] = [record(tab1), record(tab2)];

    expect(await gateway.enterRoom(alice, 'ops')).toEqual({ room: 'ops', count: 1 });
    await gateway.postToRoom(bob, 'ops', 'room:message', post('ops', 'first'), { history: true });
    const joined = ['membership:changed ops joined', 'room:message ops first'];
    await vi.waitFor(() => expect(seen2).toEqual(joined));
    await vi.waitFor(() => expect(seen1).toEqual(joined));

    expect(await gateway.exitRoom('alice', 'ops')).toEqual({ room: 'ops', count: 0 });
    await gateway.postToRoom(bob, 'ops', 'room:message', post('ops', 'after')); // alice's sockets are out of it
    await gateway.emitToUser('alice', 'notification', { id: 'n', from: 'x', message: 'marker', sentAt: 0 }); // a later event to wait for
    const left = [...joined, 'membership:changed ops left', 'notification'];
    await vi.waitFor(() => expect(seen2).toEqual(left));
    await vi.waitFor(() => expect(seen1).toEqual(left));
  });

  it('room.join / room.leave (tRPC): every tab of the caller hears of it, nobody else; a repeat or a refusal says nothing', async () => {
    server = await startSocketServer({ maxRoomsPerUser: 1 });
    const [tab1, tab2, bobTab] = [await server.connectAs('alice'), await server.connectAs('alice'), await server.connectAs('bob')];
    const [seen1, seen2, bobSaw] = [record(tab1), record(tab2), record(bobTab)];

    await as('alice').room.join({ room: 'design' });
    await as('alice').room.join({ room: 'design' }); // already a member
    await expect(as('alice').room.join({ room: 'second' })).rejects.toMatchObject({ code: 'BAD_REQUEST' }); // over the cap
    await as('alice').room.leave({ room: 'design' });
    await as('alice').room.leave({ room: 'design' }); // no longer a member
    await gateway.emitToUser('alice', 'notification', { id: 'n', from: 'x', message: 'marker', sentAt: 0 });
    const expected = ['membership:changed design joined', 'membership:changed design left', 'notification'];
    await vi.waitFor(() => expect(seen1).toEqual(expected));
    await vi.waitFor(() => expect(seen2).toEqual(expected));
    await settle(100);
    expect(bobSaw).toEqual([]);
  });

  it('a tab that was away when another tab joined a room is replayed the join (and the room’s post) when it reconnects', async () => {
    server = await startSocketServer();
    await gateway.enterRoom(bob, 'standup');
    const proxy = await startTcpProxy(server.port);
    proxies.push(proxy);
    const store = createSocketStore<AppEvents>({
      getToken: async () => (await mintSocketToken('alice')).token,
      url: proxy.url,
      options: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 300 },
    });
    stores.push(store);
    const socket = store.getSocket();
    const seen = record(socket as unknown as TestClient);
    const syncs: SyncInfo[] = [];
    (socket as unknown as { on(e: string, l: (s: SyncInfo) => void): void }).on('gateway:sync', (s) => syncs.push(s));
    store.start('alice');
    await vi.waitFor(() => expect(syncs).toHaveLength(1));

    proxy.setRefusing(true);
    proxy.dropAll();
    await vi.waitFor(() => expect(store.getSnapshot().status).not.toBe('connected'));
    await as('alice').room.join({ room: 'standup' }); // from another tab: its own socket is not connected now
    await gateway.postToRoom(bob, 'standup', 'room:message', post('standup', 'while away'), { history: true });
    proxy.setRefusing(false);

    await vi.waitFor(() => expect(syncs).toHaveLength(2), { timeout: 5000 });
    // Replayed in log order, before the sync; presence:changed (alice back online in standup) comes along as any room event does.
    const replayed = seen.slice(1, seen.lastIndexOf('gateway:sync'));
    expect(syncs[1]).toMatchObject({ replayed: replayed.length, resync: false });
    expect(replayed.filter((entry) => entry !== 'presence:changed')).toEqual(['membership:changed standup joined', 'room:message standup while away']);
  });
});
