'use client';

import { useEffect, useImperativeHandle, useState, type ReactNode, type Ref } from 'react';
import { SocketContext } from './socket-context';
import { createSocketStore, type SocketClientOptions, type SocketStore, type SocketStoreOptions, type SocketTokenFetcher } from './socket-store';
import { useIsomorphicLayoutEffect } from './use-isomorphic-layout-effect';

export interface SocketProviderProps {
  /**
   * The signed-in user, or null/undefined when signed out (or while the session loads):
   * no user, no connection. Signing out disconnects; another user reconnects with their token.
   */
  userId: string | null | undefined;
  /** Fetches a fresh handshake token (tRPC `socket.token`); called on every connect and reconnect. */
  getToken: SocketTokenFetcher;
  /** Socket server URL; default: the page's own origin (server.ts serves both). */
  url?: string;
  /** socket.io-client options; default `transports: ['websocket', 'polling']` with `tryAllTransports`. Read once. */
  options?: SocketClientOptions;
  /**
   * Called when the server reports that missed events could not be replayed (the tab was away
   * longer than the log keeps, or the log was reset): refetch what the page shows.
   */
  onResync?: () => void;
  /**
   * Receives the tab's socket store, for code outside this tree that needs the socket, such as a
   * tRPC link sending `store.getSocketId()` with each call ("to others").
   */
  ref?: Ref<SocketStore>;
  /**
   * How events reach the tab: Socket.IO (default, `createSocketStore`), or the tRPC SSE
   * subscription (`sseTransport(...)`, sse-socket-store.ts) where no socket server runs. The hooks
   * work the same over both. Read once.
   */
  transport?: (options: SocketStoreOptions) => SocketStore;
  children?: ReactNode;
}

/**
 * One Socket.IO connection per browser tab, shared by every component below it. Connects
 * only in the browser, from an effect (server rendering never connects), and survives
 * React StrictMode's mount-unmount-mount without opening a second connection.
 */
export function SocketProvider({ userId, getToken, url, options, onResync, ref, transport = createSocketStore, children }: SocketProviderProps) {
  // Creating the store has no side effects (the socket itself is made on first use in an effect).
  const [store] = useState(() => transport({ getToken, initialUserId: userId, url, options, onResync }));

  useImperativeHandle(ref, () => store, [store]);

  useIsomorphicLayoutEffect(() => {
    store.setTokenFetcher(getToken);
    store.setOnResync(onResync);
  }, [store, getToken, onResync]);

  useEffect(() => {
    if (!userId) {
      store.stop();
      return;
    }
    store.start(userId);
    // Deferred: StrictMode's immediate remount calls start() again and keeps the connection.
    return () => store.release();
  }, [store, userId]);

  return <SocketContext.Provider value={store}>{children}</SocketContext.Provider>;
}
