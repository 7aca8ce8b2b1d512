/**
 * The browser half of the gateway: one connection per tab, typed event subscriptions and
 * the connection status. Imports nothing from the server side except the event contract's types.
 *
 * @example
 * // once, in the app: typed by its events (a type import: no schema reaches the browser)
 * export const { SocketProvider, useSocketEvent, useSocketStatus } = createSocketHooks<AppEvents>();
 *
 * <SocketProvider userId={session?.user.id} getToken={() => trpcClient.socket.token.query()}>
 *   <Inbox />
 * </SocketProvider>
 *
 * function Inbox() {
 *   useSocketEvent('invoice:paid', (invoice) => console.log(invoice.id));
 *   const { status } = useSocketStatus();
 * }
 */
export { createSocketHooks, type SocketHooks } from './create-socket-hooks';
export { SocketProvider, type SocketProviderProps } from './socket-provider';
export { useSocketEvent, type ClientEventName, type ClientEventPayload, type UseSocketEventOptions } from './use-socket-event';
export { useSocketStatus } from './use-socket-status';
export { useSocket } from './use-socket';
export { useRoomPresence, type MemberPresence } from './use-room-presence';
export { useInvalidateOnEvent, useInvalidateOnResync, type QueryTargets, type UseInvalidateOptions } from './use-invalidate';
export {
  createSocketStore,
  DEFAULT_SOCKET_OPTIONS,
  isStaleAfter,
  type GatewayClientSocket,
  type SocketClientOptions,
  type SocketStatus,
  type SocketStatusSnapshot,
  type SocketStore,
  type SocketTokenFetcher,
  type SyncNotice,
} from './socket-store';
export { createSseSocketStore, sseTransport, type SseItem, type SseSocketStoreOptions, type SseSubscribe } from './sse-socket-store';
export type { ClientEvents, EventMap, EventPayload, LibraryEvents, MembershipChange, PresenceChange, SyncInfo } from '../event-map';
export { SOCKET_ID_HEADER } from './socket-store';
export { socketIdHeaders } from './socket-id-headers';
