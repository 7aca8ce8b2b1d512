'use client';

import { useContext, useEffect, useState } from 'react';
import { SocketContext } from './socket-context';
import type { GatewayClientSocket } from './socket-store';

/**
 * The tab's raw socket (null during server rendering and the first browser render), for
 * what the hooks do not cover, such as `socket.onAny` in a debug panel. Prefer useSocketEvent.
 */
export function useSocket(): GatewayClientSocket | null {
  const store = useContext(SocketContext);
  const [socket, setSocket] = useState<GatewayClientSocket | null>(null);
  useEffect(() => {
    // Deliberate: the socket is created lazily after mount (never during server rendering or
    // hydration), so it enters React state from this effect exactly once per provider.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSocket(store ? store.getSocket() : null);
  }, [store]);
  return socket;
}
