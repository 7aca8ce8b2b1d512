'use client';

import { useCallback, useContext, useSyncExternalStore } from 'react';
import { SocketContext } from './socket-context';
import { DISCONNECTED, type SocketStatusSnapshot } from './socket-store';

const noSubscription = () => () => {};

/**
 * The connection's status (`connecting | connected | reconnecting | disconnected`) and its
 * last error, such as `Unauthorized`. Server rendering and hydration read the initial
 * status (`connecting` when a user is signed in, else `disconnected`); nothing connects
 * there. Without a provider: `disconnected`.
 */
export function useSocketStatus(): SocketStatusSnapshot {
  const store = useContext(SocketContext);
  const subscribe = useCallback((onChange: () => void) => store?.subscribe(onChange) ?? noSubscription(), [store]);
  const getSnapshot = useCallback(() => store?.getSnapshot() ?? DISCONNECTED, [store]);
  const getServerSnapshot = useCallback(() => store?.getInitialSnapshot() ?? DISCONNECTED, [store]);
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}
