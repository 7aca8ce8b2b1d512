/**
 * createSocketGateway: the library's front door. From one options object it picks the backend
 * (memory by default, `database` for an embedded SQLite file, `redisUrl` for every piece on
 * Redis), wires the stores, the event log, the adapter and the dashboard's sampler itself, and
 * returns the typed `gateway`, `attach(httpServer)`, `mintToken(userId)`, `drain()` and `close()`.
 * It reads no settings: every value is an option with a default (defaults.ts), and the secret
 * has none.
 *
 * @example
 *   const realtime = createSocketGateway({ events, secret }); // secret: the app's own, >= 32 characters
 *   await realtime.attach(httpServer);
 *   const { token } = await realtime.mintToken(userId); // the browser connects with auth: { token }
 *   await realtime.gateway.emitToUser(userId, 'thing:happened', payload);
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { createMemoryBackend } from './backends/memory';
import type { Backend, BackendOptions } from './backends/types';
import { DEFAULT_ABANDONED_HISTORY_TTL_MS, DEFAULT_EVENT_LOG_RETENTION, DEFAULT_REDIS_CONNECT_TIMEOUT_MS, DEFAULT_REDIS_KEY_PREFIX } from './defaults';
import { SocketGateway } from './gateway';
import type { HandshakeLimits } from './server/handshake-limits';
import { createThrottle, getLogger, type GatewayLogger } from './observability/logger';
import { exposeMetrics } from './observability/metrics';
import { createMetricsSampler, registerMetricsSampler, unregisterMetricsSampler, type MetricsSampler } from './observability/metrics-sampler';
import type { PresenceAnnouncerOptions } from './server/presence-announcer';
import { assertEventMap, type EventMap } from './event-map';
import type { RoomPolicy, RoomUser } from './rooms';
import { createSocketServer, type SocketServerHandle, type SocketServerLimits } from './server/socket-server';
import { DEFAULT_TOKEN_TTL_SECONDS, mintSocketToken, socketTokenKey, type SocketToken } from './server/socket-token';
import type { RateLimit } from './stores/types';

/** Per-connection and per-server limits (defaults in defaults.ts; docs/security.md explains each). */
export interface SocketGatewayLimits extends Partial<SocketServerLimits> {
  /** Largest payload an emit may carry, in bytes of JSON (default 64 KiB; must stay below `maxBacklogBytes`). */
  maxEventBytes?: number;
  /** Engine.IO sessions on one server: in total, unauthenticated, unauthenticated per address. */
  handshake?: Partial<HandshakeLimits>;
  /** Socket handshakes per user, across nodes (default 2/s, burst 20). */
  handshakeRate?: RateLimit;
  /** Per-user replays read from the log's store (default 1 per 10 s, burst 5); past it the client is told to resync. */
  replayLogReads?: RateLimit;
  /** Engine.IO heartbeat (Socket.IO's defaults: 25 s / 20 s). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

/** Room rules (who may join, post to and read a room; the personal room's name) and sizes. */
export interface RoomOptions<U extends RoomUser = RoomUser> extends Partial<RoomPolicy<U>> {
  /** How many app rooms one user may be in (default 50). */
  maxPerUser?: number;
  /** How many of a room's latest messages its history keeps (default 100). */
  historyLimit?: number;
  /** A room's history is dropped once the room has had no member for this long (default 1 hour). */
  abandonedHistoryTtlMs?: number;
}

export interface SocketGatewayOptions<Events extends EventMap = EventMap, U extends RoomUser = RoomUser> {
  /** The app's events: event name → Standard Schema. */
  events: Events;
  /**
   * The HS256 secret of socket tokens: a string of >= 32 characters or a key of >= 32 bytes. No default.
   * A function is read (and checked) at the first `attach` or `mintToken` instead of here: for a
   * module that `next build` imports where the secret is only set at run time.
   */
  secret: string | Uint8Array | (() => string | Uint8Array | undefined);
  /** Every piece on this Redis (several nodes): `redis://` or `rediss://`. Not with `database`. */
  redisUrl?: string;
  redis?: { keyPrefix?: string; connectTimeoutMs?: number };
  /** One node on an embedded SQLite file (memberships, sign-outs, history and the log survive a restart). Not with `redisUrl`. */
  database?: string;
  /** Room rules and sizes (`maxPerUser`, `historyLimit`, `abandonedHistoryTtlMs`, and the access rules). */
  rooms?: RoomOptions<U>;
  limits?: SocketGatewayLimits;
  /** The event log: retention (entries, age) and the in-memory replay window. */
  eventLog?: { maxEntries?: number; maxAgeMs?: number; replayWindow?: number; replayWindowBytes?: number };
  token?: { ttlSeconds?: number };
  /** pino-compatible; default: pino at `info` (readable in development, silent in tests). */
  logger?: GatewayLogger;
  /** `registry`: also register the gateway's metrics there (e.g. prom-client's global `register`). `sampler`: the dashboard's 1 s samples (default true). */
  metrics?: { registry?: Registry; sampler?: boolean };
  /** Check emitted payloads against their schemas (default: NODE_ENV !== 'production'). */
  validatePayloads?: boolean;
  /** The client address a handshake counts under, for per-address caps (default: the TCP peer). Behind a proxy, read your trusted header here. */
  addressOf?: (req: IncomingMessage) => string;
  /** Presence announcements: grace before "offline", sweeping of dead nodes. */
  presence?: PresenceAnnouncerOptions;
  /** This process's id in presence counts (default: host:pid:random). */
  nodeId?: string;
  /** Put the running gateway in the process's one holder, for `getGateway()` (default true). */
  register?: boolean;
}

export interface SocketGatewayInstance<Events extends EventMap = EventMap, U extends RoomUser = RoomUser> {
  /** The typed server API: emitToUser, emitToRoom, broadcast, joinRoom, leaveRoom, and the room and presence helpers. */
  gateway: SocketGateway<Events, U>;
  /** Which backend the options chose. */
  readonly mode: Backend['mode'];
  readonly nodeId: string;
  /** The socket server, once attached (its Socket.IO `io`, limits and log). */
  readonly sockets: SocketServerHandle | undefined;
  /** Starts the backend (connecting to Redis) and Socket.IO on `httpServer` (path /socket.io). Once. */
  attach(httpServer: HttpServer): Promise<void>;
  /** A handshake token for a user id the app vouches for: `{ token, expiresAt }` (epoch ms). */
  mintToken(userId: string): Promise<SocketToken>;
  /** Whether each dependency answers now (Redis), for a health check. */
  dependencies(): Record<string, 'up' | 'down'>;
  /** Graceful shutdown, step 1: refuse new handshakes and disconnect every socket (clients reconnect elsewhere). */
  drain(): void;
  /** Stops Socket.IO and releases the backend. */
  close(): Promise<void>;
}

/** Checks the options a typo or a missing setting would get wrong, before anything starts. */
function checkOptions<E extends EventMap, U extends RoomUser>(options: SocketGatewayOptions<E, U>): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('createSocketGateway: options are required ({ events, secret })');
  if (typeof options.events !== 'object' || options.events === null)
    throw new TypeError('createSocketGateway: `events` must be an object (event name → schema)');
  assertEventMap(options.events);
  if (options.redisUrl !== undefined && options.database !== undefined) {
    throw new TypeError('createSocketGateway: give `redisUrl` (several nodes on Redis) or `database` (one node on a SQLite file), not both');
  }
  if (options.redisUrl !== undefined && (typeof options.redisUrl !== 'string' || !/^rediss?:\/\//.test(options.redisUrl))) {
    throw new TypeError('createSocketGateway: `redisUrl` must be a redis:// or rediss:// URL');
  }
  if (options.database !== undefined && (typeof options.database !== 'string' || options.database === '')) {
    throw new TypeError('createSocketGateway: `database` must be a file path (or ":memory:")');
  }
}

export function createSocketGateway<Events extends EventMap, U extends RoomUser = RoomUser>(
  options: SocketGatewayOptions<Events, U>,
): SocketGatewayInstance<Events, U> {
  checkOptions(options);
  // No secret, or a short one: a TypeError here (or, for a function, at the first attach or mintToken).
  const { secret } = options;
  let resolvedKey = typeof secret === 'function' ? undefined : socketTokenKey(secret);
  const key = () => (resolvedKey ??= socketTokenKey(typeof secret === 'function' ? (secret() as string | Uint8Array) : secret));
  const ttlSeconds = options.token?.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1) throw new TypeError('createSocketGateway: token.ttlSeconds must be a whole number >= 1');
  const logger = options.logger ?? getLogger();
  const nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const mode: Backend['mode'] = options.redisUrl ? 'redis' : options.database ? 'sqlite' : 'memory';
  if (options.metrics?.registry) exposeMetrics(options.metrics.registry);
  const backendOptions: BackendOptions = {
    retention: {
      retentionMs: options.eventLog?.maxAgeMs ?? DEFAULT_EVENT_LOG_RETENTION.retentionMs,
      maxEntries: options.eventLog?.maxEntries ?? DEFAULT_EVENT_LOG_RETENTION.maxEntries,
    },
    abandonedHistoryTtlMs: options.rooms?.abandonedHistoryTtlMs ?? DEFAULT_ABANDONED_HISTORY_TTL_MS,
  };

  let backend: Backend | undefined;
  let sockets: SocketServerHandle | undefined;
  let sampler: MetricsSampler | undefined;
  let attaching: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  /** Set once the socket server exists: Redis can only go down and come back after that. */
  let restorePresence: (() => Promise<void>) | undefined;

  const onRedisState = (state: 'up' | 'down', detail?: string) => {
    logger[state === 'down' ? 'warn' : 'info'](
      { event: 'redis_state', state, ...(detail ? { detail } : {}) },
      `> Redis ${state}${detail ? `: ${detail}` : ''}`,
    );
    // Back after an outage: Redis may have restarted empty, or missed the disconnects meanwhile.
    if (state === 'up') {
      restorePresence?.().catch((error: Error) => logger.error({ event: 'presence_restore_failed' }, `> Redis: could not restore presence: ${error.message}`));
    }
  };

  const startBackend = async (): Promise<Backend> => {
    // Loaded only when chosen: an app on memory or SQLite needs no `redis` package, one on Redis no native SQLite add-on.
    if (options.redisUrl) {
      const { createRedisBackend } = await loadBackend(() => import('./backends/redis'), '`redisUrl`', ['redis', '@socket.io/redis-adapter']);
      return createRedisBackend({
        ...backendOptions,
        url: options.redisUrl,
        keyPrefix: options.redis?.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX,
        connectTimeoutMs: options.redis?.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
        logger,
        onStateChange: onRedisState,
      });
    }
    if (options.database) {
      const { createSqliteBackend } = await loadBackend(() => import('./backends/sqlite'), '`database`', ['better-sqlite3']);
      return createSqliteBackend(options.database, backendOptions);
    }
    return createMemoryBackend(backendOptions);
  };

  const attach = async (httpServer: HttpServer): Promise<void> => {
    if (closing) throw new Error('socket-gateway: closed');
    const tokenKey = key(); // a secret given as a function is checked now, before anything starts
    backend = await startBackend();
    const limits = options.limits ?? {};
    sockets = createSocketServer(httpServer, {
      secret: tokenKey,
      events: options.events,
      ...(options.rooms ? { rooms: options.rooms as Partial<RoomPolicy> } : {}),
      logger,
      stores: backend.stores,
      log: backend.log,
      adapter: backend.adapter,
      dependencies: () => backend!.dependencies(),
      nodeId,
      register: options.register ?? true,
      validatePayloads: options.validatePayloads,
      maxRoomsPerUser: options.rooms?.maxPerUser,
      roomHistoryLimit: options.rooms?.historyLimit,
      replayWindow: options.eventLog?.replayWindow,
      replayWindowBytes: options.eventLog?.replayWindowBytes,
      presence: options.presence,
      allowedOrigins: limits.allowedOrigins,
      maxConnectionsPerUser: limits.maxConnectionsPerUser,
      maxPayloadBytes: limits.maxPayloadBytes,
      floodMaxEvents: limits.floodMaxEvents,
      floodWindowMs: limits.floodWindowMs,
      maxBacklogBytes: limits.maxBacklogBytes,
      maxEventBytes: limits.maxEventBytes,
      handshakeLimits: limits.handshake,
      handshakeRate: limits.handshakeRate,
      replayLogReads: limits.replayLogReads,
      pingIntervalMs: limits.pingIntervalMs,
      pingTimeoutMs: limits.pingTimeoutMs,
      addressKeyOf: options.addressOf,
    });
    restorePresence = sockets.restorePresence;
    await sockets.ready;
    if (options.metrics?.sampler ?? true) {
      // The dashboard's samples (metrics-sampler.ts): this node's, every second, shared through Redis when there is one.
      const throttle = createThrottle();
      sampler = createMetricsSampler({
        nodeId,
        board: backend.sampleBoard,
        onError: (error) =>
          throttle('metrics_sampler', (suppressed) => logger.warn({ event: 'metrics_sampler_failed', suppressed }, `> Dashboard samples: ${error.message}`)),
      });
      if (options.register ?? true) registerMetricsSampler(sampler);
      sampler.start();
    }
  };

  const gateway = new SocketGateway<Events, U>(() => {
    if (!sockets) throw new Error('socket-gateway: not attached yet: call `await realtime.attach(httpServer)` first');
    return sockets;
  });

  return {
    gateway,
    mode,
    nodeId,
    get sockets() {
      return sockets;
    },
    attach(httpServer) {
      if (attaching) return Promise.reject(new Error('socket-gateway: attach() was already called'));
      attaching = attach(httpServer);
      return attaching;
    },
    mintToken: async (userId) => mintSocketToken(userId, { key: key(), ttlSeconds }),
    dependencies: () => backend?.dependencies() ?? {},
    drain: () => sockets?.drain(),
    close() {
      closing ??= (async () => {
        await attaching?.catch(() => undefined);
        if (sampler) {
          sampler.close();
          unregisterMetricsSampler(sampler);
        }
        await sockets?.close();
        await backend?.log.close?.();
        await backend?.close();
      })();
      return closing;
    },
  };
}

/**
 * A backend's packages are optional peers, loaded only when its option is given: one that is not
 * installed fails `attach` naming what to install, not with a bare "Cannot find package".
 */
async function loadBackend<T>(load: () => Promise<T>, option: string, packages: string[]): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new Error(`socket-gateway: ${option} needs the packages ${packages.join(' and ')}: npm install ${packages.join(' ')}`, { cause: error });
  }
}
