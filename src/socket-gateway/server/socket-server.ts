/**
 * createSocketServer: the Socket.IO server of the gateway, attached to an existing
 * http.Server. It authenticates every handshake, puts each socket in its user's rooms and
 * enforces the one-way contract and the limits it is given (docs/security.md).
 *
 * Composition only: each job is a part of its own. origin-guard.ts (every request's origin, the
 * drain, the session caps of handshake-limits.ts), connection-limits.ts (flood, backlog, bytes
 * out), handshake-auth.ts (token, sign-out, rate, per-user cap, rooms), connection-setup.ts
 * (one-way, counting, delivery), background-timers.ts (presence heartbeat, log trim),
 * handshake-refusals.ts (what is counted and logged), presence-announcer.ts, replay.ts.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Server, type ServerOptions } from 'socket.io';
import { startBackgroundTimers } from './background-timers';
import { createConnectionSetup } from './connection-setup';
import { limitConnections } from './connection-limits';
import { createHandshakeAuth, createRevocationCheck } from './handshake-auth';
import { createHandshakeGate, type HandshakeGate, type HandshakeLimits } from './handshake-limits';
import { createErrorReporter, createRefusalReporter } from './handshake-refusals';
import { createAllowRequest, guardLaterRequests } from './origin-guard';
import { DEFAULT_HANDSHAKE_LIMITS, DEFAULT_MAX_ROOMS_PER_USER, DEFAULT_ROOM_HISTORY_LIMIT, DEFAULT_SOCKET_LIMITS } from '../defaults';
import { getLogger, type GatewayLogger } from '../observability/logger';
import { getMetrics, type ConnectionSource } from '../observability/metrics';
import { registerGatewayRuntime, unregisterGatewayRuntime, type GatewayRuntime } from '../registry';
import { socketTokenKey } from './socket-token';
import { startDelivery, type Delivery } from '../delivery/replay';
import { createPresenceAnnouncer, type PresenceAnnouncerOptions } from './presence-announcer';
import { createHandshakeRateLimit, DEFAULT_HANDSHAKE_RATE } from './handshake-rate-limit';
import { assertEventLimitFits, DEFAULT_MAX_EVENT_BYTES } from '../delivery/event-bounds';
import { createLogSink } from '../delivery/sinks';
import { assertEventMap, type EventMap } from '../event-map';
import { createRoomPolicy, type RoomPolicy, type RoomUser } from '../rooms';
import { EventLogResyncError } from '../stores/event-log-subscription';
import {
  createMemoryEventLog,
  createMemoryMembershipStore,
  createMemoryPresenceStore,
  createMemoryRateLimitStore,
  createMemoryRevocationStore,
  createMemoryRoomHistoryStore,
  type EventLog,
} from '../stores';
import type { GatewayStores, RateLimit } from '../stores/types';
import type { GatewayServer } from '../types';

export { UNAUTHORIZED, TEMPORARILY_UNAVAILABLE } from './handshake-auth';
export { isOriginAllowed, ORIGIN_NOT_ALLOWED, SHUTTING_DOWN } from './origin-guard';
/**
 * Replays read from the log's store (a position older than the node's in-memory window), per
 * user: each can cost a read and a decode of every entry since that position, whatever it holds
 * for the user, so a client resuming from far back in a loop would buy server CPU for nothing.
 * Past the bucket the client is answered with `resync: true` (it refetches); replays from memory
 * cost only the user's own entries and are not limited.
 */
export const DEFAULT_REPLAY_LOG_READS: RateLimit = { ratePerSecond: 1 / 10, burst: 5 };

/** The socket server's limits (docs/security.md lists each with its setting). */
export interface SocketServerLimits {
  /**
   * Browser origins allowed to open a socket. Requests with no Origin header are allowed (they
   * still need a token). Default (undefined): same-origin only, the page's origin must name the
   * host the request was sent to (its Host header).
   */
  allowedOrigins?: string[];
  /** Sockets one user may hold open at once on this server. */
  maxConnectionsPerUser: number;
  /** Largest packet a client may send, in bytes (Engine.IO `maxHttpBufferSize`). */
  maxPayloadBytes: number;
  /**
   * A client sending more than `floodMaxEvents` packets (events, acks, CONNECTs, noops: the
   * handshake's CONNECT counts) within `floodWindowMs` is disconnected.
   */
  floodMaxEvents: number;
  floodWindowMs: number;
  /** A connection whose outgoing backlog (events it has not taken yet) passes this many bytes is closed. */
  maxBacklogBytes: number;
}

export interface CreateSocketServerOptions extends Partial<SocketServerLimits> {
  /** The HS256 secret of socket tokens (string of >= 32 characters, or a key of >= 32 bytes): required. */
  secret: string | Uint8Array;
  /** The app's events (name → Standard Schema), checked by assertEventMap; emits are validated against them (default: none). */
  events?: EventMap;
  /** The app's room rules and personal room name; what it leaves out keeps the defaults (rooms.ts). */
  rooms?: Partial<RoomPolicy<RoomUser>>;
  /** Where the gateway logs (pino-compatible; default: getLogger()'s default, silent in tests). */
  logger?: GatewayLogger;
  /** Where memberships and sign-outs live (default: in memory). */
  stores?: Partial<GatewayStores>;
  /** How many app rooms one user may be in (default DEFAULT_MAX_ROOMS_PER_USER). */
  maxRoomsPerUser?: number;
  /** How many of a room's latest messages its history keeps (default DEFAULT_ROOM_HISTORY_LIMIT). */
  roomHistoryLimit?: number;
  /** Check emitted payloads against their schemas (default: outside production). */
  validatePayloads?: boolean;
  /** Make this server the one the `gateway` singleton uses (default true). */
  register?: boolean;
  /** Engine.IO heartbeat (defaults 25 s / 20 s, Socket.IO's). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** The event log every emit goes through (default: in memory). */
  log?: EventLog;
  /** How many of the newest log entries a replay may be served from memory (default 20,000; 0: always read the log). See recent-entries.ts. */
  replayWindow?: number;
  /** At most this many bytes of payload JSON in that window (default 32 MiB). See recent-entries.ts. */
  replayWindowBytes?: number;
  /** Largest payload an emit may carry, in bytes of JSON (default 64 KiB; below `maxBacklogBytes`). See event-bounds.ts. */
  maxEventBytes?: number;
  /** Per-user bucket of replays read from the log's store (default DEFAULT_REPLAY_LOG_READS); past it, `resync`. */
  replayLogReads?: RateLimit;
  /** This process's id in presence counts (default: random per start, so a restart never inherits a killed node's counts). */
  nodeId?: string;
  /** A Socket.IO adapter carrying room operations across nodes (`@socket.io/redis-adapter`). */
  adapter?: ServerOptions['adapter'];
  /** Whether each external dependency answers now (reported by /api/health). */
  dependencies?: () => Record<string, 'up' | 'down'>;
  /** Called with background errors (the log reader, presence bookkeeping). Default: one `background_error` log line per distinct message per 10 s. */
  onError?: (error: Error) => void;
  /** Caps on Engine.IO sessions (default DEFAULT_HANDSHAKE_LIMITS). */
  handshakeLimits?: Partial<HandshakeLimits>;
  /** The client address a handshake counts under (default: the TCP peer's address). */
  addressKeyOf?: (req: IncomingMessage) => string;
  /** Presence announcements: grace before "offline", sweeping of dead nodes (presence-announcer.ts). Grace default DEFAULT_PRESENCE_GRACE_MS. */
  presence?: PresenceAnnouncerOptions;
  /** Socket handshakes per user, across nodes (default DEFAULT_HANDSHAKE_RATE). */
  handshakeRate?: RateLimit;
}

export interface SocketServerHandle extends GatewayRuntime {
  io: GatewayServer;
  limits: SocketServerLimits;
  log: EventLog;
  nodeId: string;
  /** Resolves once the log reader runs (handshakes wait for it). */
  ready: Promise<void>;
  /**
   * Counts this node's open sockets into the presence store again, exactly: call it when the
   * connection to the store comes back (it may have lost everything, or missed disconnects).
   */
  restorePresence(): Promise<void>;
  /**
   * For graceful shutdown: refuses new handshakes and disconnects every socket (clients see
   * "transport close" and reconnect, to another server), leaving the http.Server to finish
   * its in-flight requests.
   */
  drain(): void;
  /** Disconnects every socket and stops Socket.IO (and the http.Server it is attached to). */
  close(): Promise<void>;
}

export function createSocketServer(httpServer: HttpServer, options: CreateSocketServerOptions): SocketServerHandle {
  const key = socketTokenKey(options?.secret); // no secret, or a short one: a TypeError before anything starts
  const {
    stores: givenStores = {},
    secret: _secret,
    logger: givenLogger,
    register = true,
    pingIntervalMs = 25_000,
    pingTimeoutMs = 20_000,
    maxRoomsPerUser = DEFAULT_MAX_ROOMS_PER_USER,
    roomHistoryLimit = DEFAULT_ROOM_HISTORY_LIMIT,
    validatePayloads = process.env.NODE_ENV !== 'production',
    handshakeLimits,
    addressKeyOf,
    presence: presenceOptions,
    handshakeRate = DEFAULT_HANDSHAKE_RATE,
    maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
    replayLogReads = DEFAULT_REPLAY_LOG_READS,
    events = {},
    rooms: roomRules,
    ...overrides
  } = options;
  assertEventMap(events);
  const roomPolicy = createRoomPolicy(roomRules);
  const config: SocketServerLimits = { ...DEFAULT_SOCKET_LIMITS, ...definedOnly(overrides) };
  assertEventLimitFits(maxEventBytes, config.maxBacklogBytes); // one event alone must never cut a recipient
  const stores = withMemoryDefaults(givenStores);
  const { membership, revocations, presence } = stores;
  const log = options.log ?? createMemoryEventLog();
  const nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = givenLogger ?? getLogger();
  const onError = options.onError ?? createErrorReporter(logger);
  const sink = createLogSink(log, () => logger, events);
  const metrics = getMetrics();
  const refused = createRefusalReporter(metrics, logger);

  let draining = false;
  // The session caps need the server they are handed to: allowRequest reads them once it exists.
  const handshakes: { gate?: HandshakeGate } = {};
  const io: GatewayServer = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: config.maxPayloadBytes,
    // A socket that opens a transport but never completes the Socket.IO handshake is dropped.
    connectTimeout: 10_000,
    pingInterval: pingIntervalMs,
    pingTimeout: pingTimeoutMs,
    ...(options.adapter ? { adapter: options.adapter } : {}),
    cors: { origin: config.allowedOrigins ?? false, credentials: false },
    allowRequest: createAllowRequest({ allowedOrigins: config.allowedOrigins, draining: () => draining, handshakes: () => handshakes.gate!, refused }),
  });
  handshakes.gate = createHandshakeGate(
    io,
    { ...DEFAULT_HANDSHAKE_LIMITS, ...definedOnly(handshakeLimits ?? {}) },
    addressKeyOf ?? ((req) => req.socket.remoteAddress ?? 'unknown'),
  );
  limitConnections(io, config, metrics, logger);
  guardLaterRequests(io, config.allowedOrigins, (sid) => engineConnection(io, sid)?.close(true));

  const issuedBeforeRevocation = createRevocationCheck(revocations);
  // Announcements only of settled changes, bounded per user (attacks-3 F2): @see presence-announcer.ts
  const announcer = createPresenceAnnouncer({ presence, membership, sink, nodeId, onError }, presenceOptions);
  const timers = startBackgroundTimers({ presence, revocations, nodeId, announcer, log, onError });
  let delivery: Delivery | undefined;
  const ready = timers.heartbeat().then(async () => {
    delivery = await startDelivery(
      io,
      log,
      (error) => {
        // The log was reset: its store lost its data (Redis flushed, or restarted empty), presence too.
        if (error instanceof EventLogResyncError && error.reason === 'reset') restorePresence().catch(onError);
        onError(error);
      },
      { ...definedOnly({ replayWindow: options.replayWindow, replayWindowBytes: options.replayWindowBytes }), personalRoom: roomPolicy.personalRoom },
    );
  });
  ready.catch(onError);

  io.use(
    createHandshakeAuth({
      key,
      issuedBeforeRevocation,
      ready,
      takeHandshake: createHandshakeRateLimit(stores.rateLimits, handshakeRate),
      presence,
      membership,
      nodeId,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      refused,
      onError,
    }),
  );
  const setup = createConnectionSetup({
    metrics,
    announcer,
    delivery: () => delivery!,
    issuedBeforeRevocation,
    rateLimits: stores.rateLimits,
    replayLogReads,
    onError,
  });
  io.on('connection', setup.onConnection);
  const source: ConnectionSource = { sockets: () => io.of('/').sockets.size, users: () => setup.socketsPerUser.size };
  metrics.sources.add(source);

  const restorePresence = async () => {
    const counts = new Map<string, number>();
    for (const socket of io.sockets.sockets.values()) {
      const { userId } = socket.data;
      if (userId) counts.set(userId, (counts.get(userId) ?? 0) + 1);
    }
    await presence.restoreNode(nodeId, counts);
    announcer.restored([...counts.keys()]);
  };

  const runtime: GatewayRuntime = {
    target: io,
    sink,
    io,
    stores,
    maxRoomsPerUser,
    roomHistoryLimit,
    validatePayloads,
    events,
    rooms: roomPolicy,
    maxEventBytes,
    dependencies: options.dependencies,
    ...(givenLogger ? { logger: givenLogger } : {}),
  };
  if (register) registerGatewayRuntime(runtime);

  return {
    ...runtime,
    io,
    limits: config,
    log,
    nodeId,
    ready,
    restorePresence,
    drain() {
      draining = true;
      io.engine.close();
    },
    async close() {
      unregisterGatewayRuntime(runtime);
      metrics.sources.delete(source);
      timers.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await delivery?.stop();
      await announcer.close();
      await presence.nodeDown(nodeId).catch(onError);
    },
  };
}

/** The stores not given, in memory. The memory membership drops the history of abandoned rooms (when both are its own). */
function withMemoryDefaults(given: Partial<GatewayStores>): GatewayStores {
  const memoryHistory = given.history ? undefined : createMemoryRoomHistoryStore();
  return {
    membership: given.membership ?? createMemoryMembershipStore({ history: memoryHistory }),
    revocations: given.revocations ?? createMemoryRevocationStore(),
    rateLimits: given.rateLimits ?? createMemoryRateLimitStore(),
    presence: given.presence ?? createMemoryPresenceStore(),
    history: given.history ?? memoryHistory!,
  };
}

/** The open Engine.IO connection `sid`, from Engine.IO's own table (`clients`, typed protected): no second map of every connection. */
function engineConnection(io: GatewayServer, sid: string): { close(discard?: boolean): void } | undefined {
  const clients = (io.engine as unknown as { clients: Record<string, { close(discard?: boolean): void }> }).clients;
  return Object.hasOwn(clients, sid) ? clients[sid] : undefined;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
