'use client';

import { useCallback, useContext, useSyncExternalStore } from 'react';
import { SocketContext } from './socket-context';
import { DISCONNECTED, type SocketStatusSnapshot } from './socket-store';

const noSubscription = () => () => {};
const disconnected = () => DISCONNECTED;

/**
 * The connection's status (`connecting | connected | reconnecting | disconnected`) and its
 * last error, such as `Unauthorized`. Server rendering (and any tree without a provider)
 * reads `disconnected`: nothing connects there.
 */
export function useSocketStatus(): SocketStatusSnapshot {
  const store = useContext(SocketContext);
  const subscribe = useCallback((onChange: () => void) => store?.subscribe(onChange) ?? noSubscription(), [store]);
  const getSnapshot = useCallback(() => store?.getSnapshot() ?? DISCONNECTED, [store]);
  return useSyncExternalStore(subscribe, getSnapshot, disconnected);
}
