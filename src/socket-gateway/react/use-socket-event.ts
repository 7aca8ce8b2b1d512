'use client';

import { useEffect, useRef } from 'react';
import type { ClientEvents, EventMap, EventPayload } from '../event-map';
import { useSocketStore } from './socket-context';
import { useIsomorphicLayoutEffect } from './use-isomorphic-layout-effect';

export interface UseSocketEventOptions {
  /** Listen only while true (default true). */
  enabled?: boolean;
}

/** The names a tab can listen to: the app's events and the library's. */
export type ClientEventName<E extends EventMap> = keyof ClientEvents<E> & string;
/** What a listener of `K` receives. */
export type ClientEventPayload<E extends EventMap, K extends ClientEventName<E>> = EventPayload<ClientEvents<E>, K>;

/**
 * Calls `handler` with each `event` pushed by the server. Typed by the app's events through
 * `createSocketHooks<typeof events>()` (hooks.ts): the payload type follows the event name and an
 * unknown name does not compile. Imported directly, it is typed loosely (any name).
 *
 * The latest handler is kept in a ref, so an inline arrow function does not resubscribe on
 * every render: the listener is added once per event name, and on unmount (or when
 * `enabled` turns false) only this hook's own listener is removed.
 */
export function useSocketEvent<K extends ClientEventName<EventMap>>(
  event: K,
  handler: (payload: ClientEventPayload<EventMap, K>) => void,
  options: UseSocketEventOptions = {},
): void {
  const store = useSocketStore('useSocketEvent');
  const { enabled = true } = options;
  const handlerRef = useRef(handler);

  useIsomorphicLayoutEffect(() => {
    handlerRef.current = handler;
  }, [handler]);

  useEffect(() => {
    if (!enabled) return;
    const socket = store.getSocket();
    const listener = (payload: ClientEventPayload<EventMap, K>) => handlerRef.current(payload);
    // Socket.IO's typed emitter cannot relate a generic E to its listener type.
    socket.on(event, listener as never);
    return () => {
      socket.off(event, listener as never);
    };
  }, [store, event, enabled]);
}
