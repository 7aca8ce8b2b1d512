/**
 * The gateway's defaults, in one place: every limit is an option (createSocketGateway,
 * createSocketServer) and these are what it is without one. The library reads no settings;
 * an app maps its own environment to options (the demo: src/env.ts → src/server/realtime.ts).
 */
import type { HandshakeLimits } from './server/handshake-limits';

/** The socket server's per-connection limits (docs/security.md explains each). */
export const DEFAULT_SOCKET_LIMITS = {
  maxConnectionsPerUser: 10,
  maxPayloadBytes: 16 * 1024,
  floodMaxEvents: 20,
  floodWindowMs: 10_000,
  maxBacklogBytes: 1024 * 1024,
} as const;

/** Engine.IO sessions on one server (handshake-limits.ts). */
export const DEFAULT_HANDSHAKE_LIMITS: HandshakeLimits = { maxConnections: 20_000, maxUnauthenticated: 1000, maxUnauthenticatedPerAddress: 256 };

/** App rooms one user may be in. */
export const DEFAULT_MAX_ROOMS_PER_USER = 50;
/** Messages a room's history keeps. */
export const DEFAULT_ROOM_HISTORY_LIMIT = 100;
/** A room's history is dropped once the room has had no member for this long; missed events stay replayable this long. */
export { DEFAULT_ABANDONED_HISTORY_TTL_MS } from './stores/room-history';
export { DEFAULT_EVENT_LOG_RETENTION } from './stores/event-log';
/** Redis: every key under this prefix; give up connecting after this long. */
export const DEFAULT_REDIS_KEY_PREFIX = 'sg:';
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 10_000;
