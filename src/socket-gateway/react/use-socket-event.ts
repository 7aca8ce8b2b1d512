'use client';

import { useEffect, useRef } from 'react';
import type { EventPayload, ServerEventName } from '../events';
import { useSocketStore } from './socket-context';
import { useIsomorphicLayoutEffect } from './use-isomorphic-layout-effect';

export interface UseSocketEventOptions {
  /** Listen only while true (default true). */
  enabled?: boolean;
}

/**
 * Calls `handler` with each `event` pushed by the server. The payload type follows the
 * event name (from events.ts); an unknown name does not compile.
 *
 * The latest handler is kept in a ref, so an inline arrow function does not resubscribe on
 * every render: the listener is added once per event name, and on unmount (or when
 * `enabled` turns false) only this hook's own listener is removed.
 */
export function useSocketEvent<E extends ServerEventName>(event: E, handler: (payload: EventPayload<E>) => void, options: UseSocketEventOptions = {}): void {
  const store = useSocketStore('useSocketEvent');
  const { enabled = true } = options;
  const handlerRef = useRef(handler);

  useIsomorphicLayoutEffect(() => {
    handlerRef.current = handler;
  }, [handler]);

  useEffect(() => {
    if (!enabled) return;
    const socket = store.getSocket();
    const listener = (payload: EventPayload<E>) => handlerRef.current(payload);
    // Socket.IO's typed emitter cannot relate a generic E to its listener type.
    socket.on(event, listener as never);
    return () => {
      socket.off(event, listener as never);
    };
  }, [store, event, enabled]);
}
