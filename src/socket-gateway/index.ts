/**
 * socket-gateway: the server entry (Node). What an app needs to push its own typed events:
 * `createSocketGateway` (server.ts), `getGateway` (code Next bundles), and their types.
 * Building blocks for composing a server yourself (stores, tokens, the socket server,
 * observability) are in `socket-gateway/advanced`; the browser side is `socket-gateway/react`,
 * other processes use `socket-gateway/emitter`.
 */
export {
  createSocketGateway,
  type RoomOptions,
  type SocketGatewayInstance,
  type SocketGatewayLimits,
  type SocketGatewayOptions,
} from './create-socket-gateway';
export { getGateway } from './get-gateway';
export { SocketGateway, type EmitOptions, type RoomHistory } from './gateway';
export { parseSocketId, SOCKET_ID_HEADER, type EmitPayload, type EventMap, type EventName, type EventPayload, type SyncInfo } from './event-map';
export { RoomAccessError, roomNameError, type RoomPolicy, type RoomUser } from './rooms';
export { TEMPORARILY_UNAVAILABLE, UNAUTHORIZED } from './server/socket-server';
export type { GatewayLogger } from './observability/logger';
export type { SocketToken } from './server/socket-token';
