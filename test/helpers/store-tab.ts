/**
 * A "tab" without a browser: the browser's own socket store (createSocketStore, which runs in
 * node too) behind its own TCP proxy, which stands in for the load balancer and the network.
 * Token fetches go through the same proxy (tRPC `socket.token` over HTTP with the session
 * cookie), so a cut-off tab cannot fetch a token either, and a tab moved to another node fetches
 * it there. Every event it receives is recorded with its log position.
 */
import type { SyncInfo } from 'socket-gateway';
import { createSocketStore, type GatewayClientSocket, type SocketStore } from 'socket-gateway/react';
import { sessionWithCookie, type Session } from './app-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import type { AppEvents } from '@/events';

export interface Received {
  event: string;
  data: { id?: string; message?: string; room?: string; userId?: string; online?: boolean };
  position: string | undefined;
}

export interface StoreTab {
  userId: string;
  store: SocketStore;
  socket: GatewayClientSocket;
  proxy: TcpProxy;
  /** Every event received (gateway:sync excluded), in order of arrival. */
  received: Received[];
  /** Every gateway:sync (one per connection). */
  syncs: SyncInfo[];
  /** How many times onResync was called. */
  resyncs: number;
  /** Cuts the tab off: every connection dropped, new ones (token fetches too) refused. */
  away(): void;
  /** Lets it reconnect (by itself: no call into the store). */
  back(): void;
  /** Sends new connections to `port` and drops the open ones (the tab reconnects there). */
  moveTo(port: number): void;
  /** Resolves once the tab has had `count` gateway:sync events in all. */
  waitForSyncs(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface StoreTabOptions {
  /** The signed-in session whose cookie fetches tokens (through the proxy). */
  session: Session;
  userId: string;
  /** The node port the proxy forwards to first. */
  port: number;
  /** An already started proxy (e.g. one whose origin a browser must be allowed). */
  proxy?: TcpProxy;
}

/** An error shaped like a tRPC client error, so the store can tell "signed out" from "try again". */
class TokenFetchError extends Error {
  constructor(
    message: string,
    readonly data: { code: string; httpStatus: number },
  ) {
    super(message);
  }
}

export async function openStoreTab({ session, userId, port, proxy: given }: StoreTabOptions): Promise<StoreTab> {
  const proxy = given ?? (await startTcpProxy(port));
  if (given) proxy.retarget(port);
  // The cookie is read at every fetch: a test may sign the user in again (session.cookie changes).
  const viaProxy = { query: <T>(path: string) => sessionWithCookie(proxy.url, session.cookie).query<T>(path) };
  const received: Received[] = [];
  const syncs: SyncInfo[] = [];
  let resyncs = 0;
  const store = createSocketStore<AppEvents>({
    getToken: async () => {
      const minted = await viaProxy.query<{ token: string }>('socket.token');
      if (!minted.ok) throw new TokenFetchError(minted.message, { code: minted.code, httpStatus: minted.status });
      return minted.data.token;
    },
    url: proxy.url,
    // Fast reconnects keep the suites short; jitter stays on.
    options: { transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 400 },
    onResync: () => (resyncs += 1),
  });
  const socket = store.getSocket();
  socket.onAny((event: string, ...args: unknown[]) => {
    if (event === 'gateway:sync') {
      syncs.push(args[0] as SyncInfo);
      return;
    }
    const position = args.at(-1);
    received.push({ event, data: args[0] as Received['data'], position: typeof position === 'string' ? position : undefined });
  });
  const tab: StoreTab = {
    userId,
    store,
    socket,
    proxy,
    received,
    syncs,
    get resyncs() {
      return resyncs;
    },
    away() {
      proxy.setRefusing(true);
      proxy.dropAll();
    },
    back() {
      proxy.setRefusing(false);
    },
    moveTo(target) {
      proxy.retarget(target);
      proxy.dropAll();
    },
    async waitForSyncs(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (syncs.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${userId}: ${syncs.length} of ${count} gateway:sync within ${timeoutMs} ms (status ${JSON.stringify(store.getSnapshot())})`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      store.stop();
      if (!given) await proxy.close();
    },
  };
  store.start(userId);
  await tab.waitForSyncs(1);
  return tab;
}

/** The messages (`data.message`) of the tab's received events of `event`, in order. */
export function messagesOf(tab: StoreTab, event?: string): string[] {
  return tab.received.filter((r) => event === undefined || r.event === event).map((r) => r.data.message ?? '');
}
