'use client';

import { createContext, useContext } from 'react';
import type { SocketStore } from './socket-store';

/** The tab's socket store, or null outside a SocketProvider (and while server rendering). */
export const SocketContext = createContext<SocketStore | null>(null);

/** The store of the nearest SocketProvider; throws a clear error without one. */
export function useSocketStore(hook: string): SocketStore {
  const store = useContext(SocketContext);
  if (!store) throw new Error(`${hook} must be used inside <SocketProvider>`);
  return store;
}
