'use client';

import type { EventMap } from '../event-map';
import { SocketProvider } from './socket-provider';
import type { GatewayClientSocket } from './socket-store';
import { useInvalidateOnEvent, useInvalidateOnResync, type QueryTargets, type UseInvalidateOptions } from './use-invalidate';
import { useRoomPresence } from './use-room-presence';
import { useSocket } from './use-socket';
import { useSocketEvent, type ClientEventName, type ClientEventPayload, type UseSocketEventOptions } from './use-socket-event';
import { useSocketStatus } from './use-socket-status';

/** The React hooks, typed by the app's events `E` and the library's own. */
export interface SocketHooks<E extends EventMap> {
  SocketProvider: typeof SocketProvider;
  /** Calls `handler` with each `event`; the payload type follows the name, an unknown name does not compile. */
  useSocketEvent<K extends ClientEventName<E>>(event: K, handler: (payload: ClientEventPayload<E, K>) => void, options?: UseSocketEventOptions): void;
  useSocketStatus: typeof useSocketStatus;
  /** The tab's raw socket, typed by the events (null during server rendering and the first render). */
  useSocket(): GatewayClientSocket<E> | null;
  useRoomPresence: typeof useRoomPresence;
  /** Each `event` invalidates the queries `select` names for its payload. */
  useInvalidateOnEvent<K extends ClientEventName<E>>(
    event: K,
    select: (payload: ClientEventPayload<E, K>) => QueryTargets,
    options?: UseInvalidateOptions,
  ): void;
  useInvalidateOnResync: typeof useInvalidateOnResync;
}

/**
 * The hooks typed by the app's event map, made once by the app (tRPC style: only the TYPE of its
 * events reaches the browser bundle, never its schemas):
 *
 * @example
 * import type { AppEvents } from './events'; // the app's own event map (a type import only)
 * export const { SocketProvider, useSocketEvent, useSocketStatus } = createSocketHooks<AppEvents>();
 *
 * The functions are the plain exports: typing is all this adds, so hooks from several calls share one provider.
 */
export function createSocketHooks<E extends EventMap>(): SocketHooks<E> {
  return {
    SocketProvider,
    useSocketEvent: useSocketEvent as SocketHooks<E>['useSocketEvent'],
    useSocketStatus,
    useSocket: useSocket as SocketHooks<E>['useSocket'],
    useRoomPresence,
    useInvalidateOnEvent: useInvalidateOnEvent as SocketHooks<E>['useInvalidateOnEvent'],
    useInvalidateOnResync,
  };
}
