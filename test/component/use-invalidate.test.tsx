/** @vitest-environment jsdom */
import './support/node-typed-arrays';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createMemoryEventLog } from 'socket-gateway/advanced';
import { gateway } from '@/server/gateway';
import type { MessagePayload, RoomMessagePayload } from '@/events';
import { type SocketStatusSnapshot } from 'socket-gateway/react';
import { SocketProvider, useInvalidateOnEvent, useInvalidateOnResync, useSocketEvent, useSocketStatus } from '@/app/_components/socket';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { settle, startSocketServer, type TestServer } from '../helpers/socket-server';
import { FAST_RECONNECT, StatusRecorder, tokenFor } from './support/socket-harness';

let server: TestServer | undefined;
let proxy: TcpProxy | undefined;

afterEach(async () => {
  cleanup();
  await proxy?.close();
  await server?.stop();
  server = undefined;
  proxy = undefined;
});

const roomMessage = (room: string, text: string): RoomMessagePayload => ({ id: `${room}-${text}`, from: 'bob', message: text, sentAt: 1, room });
const note = (text: string): MessagePayload => ({ id: text, from: 'bob', message: text, sentAt: 1 });

function countFetch(fetches: Record<string, number>, name: string): number {
  fetches[name] = (fetches[name] ?? 0) + 1;
  return fetches[name];
}

/** A query whose every fetch is counted: `fetches[key]` goes up each time it (re)fetches. */
function Counted({ name, fetches }: { name: string; fetches: Record<string, number> }) {
  const query = useQuery({
    queryKey: ['room', name],
    queryFn: async () => countFetch(fetches, name),
    staleTime: Infinity, // nothing refetches by itself: only an invalidation does
  });
  return <p data-testid={`q-${name}`}>{query.data ?? 'loading'}</p>;
}

function tab(url: string, children: ReactNode, statuses: SocketStatusSnapshot[] = [], queryClient = new QueryClient()) {
  return (
    <QueryClientProvider client={queryClient}>
      <SocketProvider userId="alice" getToken={tokenFor('alice')} url={url} options={{ ...FAST_RECONNECT, transports: ['websocket'] }}>
        <StatusRecorder into={statuses} />
        {children}
      </SocketProvider>
    </QueryClientProvider>
  );
}

describe('useInvalidateOnEvent', () => {
  it('refetches the queries an event names, typed from the event map, and no others', async () => {
    server = await startSocketServer();
    await server.stores.membership.join('alice', 'lobby', 50);
    await server.stores.membership.join('alice', 'other', 50);
    const fetches: Record<string, number> = {};
    const select = vi.fn((message: RoomMessagePayload) => (message.message === 'ignore me' ? null : { queryKey: ['room', message.room] }));
    function Live() {
      useInvalidateOnEvent('room:message', (m) => {
        expectTypeOf(m).toEqualTypeOf<RoomMessagePayload>();
        return select(m);
      });
      // @ts-expect-error: not an event of the contract
      useInvalidateOnEvent('room:mesage', () => null);
      return null;
    }
    render(
      tab(
        server.url,
        <>
          <Live />
          <Counted name="lobby" fetches={fetches} />
          <Counted name="other" fetches={fetches} />
        </>,
      ),
    );
    await screen.findByText('connected');
    await screen.findByText('1', { selector: '[data-testid="q-lobby"]' });
    await settle(200); // the first connection's sync has no invalidation registered here
    expect(fetches).toEqual({ lobby: 1, other: 1 });

    await gateway.emitToRoom('lobby', 'room:message', roomMessage('lobby', 'hello'));
    await screen.findByText('2', { selector: '[data-testid="q-lobby"]' });
    expect(fetches).toEqual({ lobby: 2, other: 1 });

    await gateway.emitToRoom('other', 'room:message', roomMessage('other', 'ignore me'));
    await gateway.emitToRoom('other', 'room:message', roomMessage('other', 'there'));
    await screen.findByText('2', { selector: '[data-testid="q-other"]' });
    await settle(200);
    expect(fetches).toEqual({ lobby: 2, other: 2 });
    expect(select).toHaveBeenCalledTimes(3);
  });

  it('refetches a query whose first fetch was under way when the event came (that answer may predate the event)', async () => {
    // The race of membership-tabs.test.ts under load: a room card mounts, its first history fetch
    // reads the (empty) history, bob posts, the post's event reaches the tab, and only then does
    // the fetch's answer arrive. Without a refetch the card would keep "no messages" for good.
    server = await startSocketServer();
    const [alice, bob] = [
      { id: 'alice', role: 'user' as const },
      { id: 'bob', role: 'user' as const },
    ];
    await gateway.enterRoom(alice, 'lobby');
    await gateway.enterRoom(bob, 'lobby');
    let releaseFirst!: () => void;
    const firstAnswerHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const reads: number[] = [];
    const arrived: string[] = [];
    function Feed() {
      useInvalidateOnEvent('room:message', (m) => ({ queryKey: ['history', m.room] }));
      useSocketEvent('room:message', (m) => arrived.push(m.message));
      const history = useQuery({
        queryKey: ['history', 'lobby'],
        queryFn: async () => {
          const page = await gateway.roomHistory(alice, 'lobby');
          reads.push(page.entries.length);
          // The first answer is held on its way back (a slow response) until the event has come.
          if (reads.length === 1) await firstAnswerHeld;
          return page.entries.map((entry) => (entry.data as RoomMessagePayload).message).join(',') || 'none';
        },
        staleTime: Infinity, // live data: only an invalidation refetches it
      });
      return <p data-testid="history">{history.data ?? 'loading'}</p>;
    }
    render(tab(server.url, <Feed />));
    await screen.findByText('connected');
    await vi.waitFor(() => expect(reads).toEqual([0]));

    await gateway.postToRoom(bob, 'lobby', 'room:message', roomMessage('lobby', 'posted meanwhile'), { history: true });
    await vi.waitFor(() => expect(arrived).toEqual(['posted meanwhile']));
    releaseFirst();

    await screen.findByText('posted meanwhile', { selector: '[data-testid="history"]' }, { timeout: 3000 });
    expect(reads).toEqual([0, 1]);
  });

  it('does nothing while disabled', async () => {
    server = await startSocketServer();
    const fetches: Record<string, number> = {};
    function Live() {
      useInvalidateOnEvent('notification', () => ({ queryKey: ['room', 'inbox'] }), { enabled: false });
      return null;
    }
    render(
      tab(
        server.url,
        <>
          <Live />
          <Counted name="inbox" fetches={fetches} />
        </>,
      ),
    );
    await screen.findByText('connected');
    await gateway.emitToUser('alice', 'notification', note('ping'));
    await settle(300);
    expect(fetches).toEqual({ inbox: 1 });
  });
});

describe('useInvalidateOnResync', () => {
  it('refetches the live queries on the first connection and after a resync, not after a reconnect that was replayed', async () => {
    const log = createMemoryEventLog({ retentionMs: 120_000, maxEntries: 3 });
    server = await startSocketServer({ log });
    proxy = await startTcpProxy(server.port);
    const fetches: Record<string, number> = {};
    const statuses: SocketStatusSnapshot[] = [];
    function Live() {
      useInvalidateOnResync([{ queryKey: ['room', 'live'] }]);
      return null;
    }
    function Resynced() {
      const { resyncedAt } = useSocketStatus();
      return <p data-testid="resynced">{resyncedAt === null ? 'never' : 'resynced'}</p>;
    }
    render(
      tab(
        proxy.url,
        <>
          <Live />
          <Resynced />
          <Counted name="live" fetches={fetches} />
          <Counted name="not-live" fetches={fetches} />
        </>,
        statuses,
      ),
    );
    // Fetched at mount (before the socket joined its rooms), then again once it has: an event sent
    // in between would otherwise be missing.
    await screen.findByText('2', { selector: '[data-testid="q-live"]' });
    await settle(200);
    expect(fetches).toEqual({ live: 2, 'not-live': 1 });

    // A short drop, nothing trimmed: the missed event is replayed, nothing is refetched.
    const cut = async (whileAway: () => Promise<void>) => {
      const reconnects = statuses.filter((s) => s.status === 'connected').length;
      proxy!.setRefusing(true);
      proxy!.dropAll();
      await settle(150);
      await whileAway();
      proxy!.setRefusing(false);
      await vi.waitFor(() => expect(statuses.filter((s) => s.status === 'connected').length).toBeGreaterThan(reconnects), { timeout: 5000 });
      await settle(300);
    };
    await cut(() => gateway.emitToUser('alice', 'notification', note('while away')));
    expect(fetches).toEqual({ live: 2, 'not-live': 1 });
    expect(screen.getByTestId('resynced').textContent).toBe('never');

    // Away while more was sent than the log keeps: the server says resync, the live query refetches.
    await cut(async () => {
      for (let i = 0; i < 6; i += 1) await gateway.emitToUser('alice', 'notification', note(`m${i}`));
      await log.trim();
    });
    await screen.findByText('resynced');
    await screen.findByText('3', { selector: '[data-testid="q-live"]' });
    expect(fetches).toEqual({ live: 3, 'not-live': 1 });
  });
});
