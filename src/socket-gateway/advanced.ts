/**
 * socket-gateway/advanced: the building blocks `createSocketGateway` is made of, for an app that
 * composes its own server (its own stores, a socket server without the facade), signs tokens
 * elsewhere, or reads the gateway's observability (metrics, logs, the dashboard's samples,
 * the request context). Everything here is public and semver-covered; most apps need none of it.
 */
export { createSocketGateway, type SocketGatewayInstance, type SocketGatewayLimits, type SocketGatewayOptions } from './create-socket-gateway';
export { getGateway } from './get-gateway';
export { gateway, SocketGateway, type EmitOptions, type GatewayParts, type PostOptions, type RoomHistory, type RoomHistoryItem } from './gateway';
export { createLogSink, type EventSink } from './delivery/sinks';
export { parseResume, SYNC_EVENT, type ResumeRequest, type SyncInfo } from './delivery/replay';
export { createSocketServer, isOriginAllowed, ORIGIN_NOT_ALLOWED, SHUTTING_DOWN, TEMPORARILY_UNAVAILABLE, UNAUTHORIZED } from './server/socket-server';
export type { CreateSocketServerOptions, SocketServerHandle, SocketServerLimits } from './server/socket-server';
export {
  authenticate,
  mintSocketToken,
  socketTokenKey,
  verifySocketToken,
  MAX_TOKEN_LENGTH,
  MAX_USER_ID_LENGTH,
  SOCKET_TOKEN_AUDIENCE,
  SOCKET_TOKEN_ISSUER,
} from './server/socket-token';
export type { SocketToken, SocketUser, VerifiedSocketToken } from './server/socket-token';
export {
  assertEventMap,
  EVENT_FRAME_ALLOWANCE,
  libraryEvents,
  parseSocketId,
  SOCKET_ID_HEADER,
  validateEventPayload,
  type ClientEvents,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type EmitPayload,
  type EventMap,
  type EventName,
  type EventPayload,
  type LibraryEvents,
  type MembershipChange,
  type PresenceChange,
  type StandardSchemaV1,
} from './event-map';
export * from './stores';
export { findGatewayRuntime, getGatewayRuntime, registerGatewayRuntime, type GatewayRuntime } from './registry';
export { isSocketOf, SOCKET_OWNER_TIMEOUT_MS } from './server/socket-owner';
export {
  canJoinRoom,
  canPostToRoom,
  canReadRoom,
  createRoomPolicy,
  defaultRoomPolicy,
  isValidRoomName,
  MAX_ROOM_NAME_LENGTH,
  roomNameError,
  RoomAccessError,
  userRoom,
  type RoomPolicy,
  type RoomUser,
} from './rooms';
export type { EmitTarget, GatewayServer, GatewaySocket, SocketData } from './types';
export { eventLabel, getMetrics, type GatewayMetrics, type HandshakeOutcome, type RateLimitBucket } from './observability/metrics';
export { createLogger, createThrottle, formatLine, getLogger, REDACT_PATHS, type GatewayLogger, type Logger } from './observability/logger';
export { currentRequestContext, runWithRequestContext, type RequestContext } from './observability/request-context';
export {
  createMetricsSampler,
  createRingBuffer,
  findMetricsSampler,
  registerMetricsSampler,
  unregisterMetricsSampler,
  type MetricsSampler,
  type NodeSample,
  type NodeSeries,
  type SampleBoard,
} from './observability/metrics-sampler';
export { observeRedisCommands } from './observability/redis-command-metrics';
export { assertEventBounds, DEFAULT_MAX_EVENT_BYTES, EventBoundsError, payloadBytes } from './delivery/event-bounds';
export { createProcessHolder, type ProcessSlot } from './process-holder';
export { DEFAULT_REPLAY_LOG_READS } from './server/socket-server';
