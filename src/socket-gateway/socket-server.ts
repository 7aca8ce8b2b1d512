/**
 * createSocketServer: the Socket.IO server of the gateway, attached to an existing
 * http.Server. It authenticates every handshake, puts each socket in its user's rooms and
 * enforces the one-way contract and the limits it is given (README, Security).
 */
import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Server, type ServerOptions } from 'socket.io';
import { createHandshakeGate, SERVER_FULL, type HandshakeLimits } from './handshake-limits';
import { DEFAULT_HANDSHAKE_LIMITS, DEFAULT_MAX_ROOMS_PER_USER, DEFAULT_ROOM_HISTORY_LIMIT, DEFAULT_SOCKET_LIMITS } from './defaults';
import { createThrottle, getLogger, type GatewayLogger } from './logger';
import { getMetrics, type ConnectionSource, type HandshakeOutcome } from './metrics';
import { registerGatewayRuntime, unregisterGatewayRuntime, type EventMap, type GatewayRuntime, type RoomPolicy } from './registry';
import { limitBacklog, packetBytes, type BacklogConnection } from './slow-consumers';
import { socketTokenKey, verifySocketToken } from './socket-token';
import { parseResume, startDelivery, type Delivery, type ResumeContext } from './replay';
import { wantsReplay } from './replay-opt-in';
import { createPresenceAnnouncer, type PresenceAnnouncerOptions } from './presence-announcer';
import { createHandshakeRateLimit, DEFAULT_HANDSHAKE_RATE } from './handshake-rate-limit';
import { assertEventLimitFits, DEFAULT_MAX_EVENT_BYTES } from './event-bounds';
import { createLogSink } from './sinks';
import { EventLogResyncError } from './stores/event-log-subscription';
import {
  createMemoryEventLog,
  createMemoryMembershipStore,
  createMemoryPresenceStore,
  createMemoryRateLimitStore,
  createMemoryRevocationStore,
  createMemoryRoomHistoryStore,
  type EventLog,
} from './stores';
import type { GatewayStores, RateLimit } from './stores/types';
import type { GatewayServer, GatewaySocket } from './types';

export const UNAUTHORIZED = 'Unauthorized';
export const ORIGIN_NOT_ALLOWED = 'Origin not allowed';
export const SHUTTING_DOWN = 'Server is shutting down';
export const TEMPORARILY_UNAVAILABLE = 'Temporarily unavailable, try again shortly';
/** How often this node renews its presence lease (a third of the store's default 3 s lease). */
const PRESENCE_HEARTBEAT_MS = 1_000;
const LOG_TRIM_INTERVAL_MS = 5_000;
/**
 * Replays read from the log's store (a position older than the node's in-memory window), per
 * user: each can cost a read and a decode of every entry since that position, whatever it holds
 * for the user, so a client resuming from far back in a loop would buy server CPU for nothing.
 * Past the bucket the client is answered with `resync: true` (it refetches); replays from memory
 * cost only the user's own entries and are not limited.
 */
export const DEFAULT_REPLAY_LOG_READS: RateLimit = { ratePerSecond: 1 / 10, burst: 5 };

/** The socket server's limits (README's Security table lists each with its variable). */
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
  /** The app's events (event name → schema), handed to the gateway's runtime. */
  events?: EventMap;
  /** The app's room rules, handed to the gateway's runtime. */
  rooms?: RoomPolicy;
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
    register = true,
    pingIntervalMs = 25_000,
    pingTimeoutMs = 20_000,
    secret: _secret,
    logger: givenLogger,
    events,
    rooms,
    maxRoomsPerUser = DEFAULT_MAX_ROOMS_PER_USER,
    roomHistoryLimit = DEFAULT_ROOM_HISTORY_LIMIT,
    validatePayloads = process.env.NODE_ENV !== 'production',
    handshakeLimits,
    addressKeyOf,
    presence: presenceOptions,
    handshakeRate = DEFAULT_HANDSHAKE_RATE,
    maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
    replayLogReads = DEFAULT_REPLAY_LOG_READS,
    ...overrides
  } = options;
  const config: SocketServerLimits = { ...DEFAULT_SOCKET_LIMITS, ...definedOnly(overrides) };
  assertEventLimitFits(maxEventBytes, config.maxBacklogBytes); // one event alone must never cut a recipient
  // The memory backend's membership drops the history of abandoned rooms (when both are its own).
  const memoryHistory = givenStores.history ? undefined : createMemoryRoomHistoryStore();
  const stores: GatewayStores = {
    membership: givenStores.membership ?? createMemoryMembershipStore({ history: memoryHistory }),
    revocations: givenStores.revocations ?? createMemoryRevocationStore(),
    rateLimits: givenStores.rateLimits ?? createMemoryRateLimitStore(),
    presence: givenStores.presence ?? createMemoryPresenceStore(),
    history: givenStores.history ?? memoryHistory!,
  };
  const { membership, revocations, presence } = stores;
  const log = options.log ?? createMemoryEventLog();
  const nodeId = options.nodeId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = givenLogger ?? getLogger();
  const onError = options.onError ?? createErrorReporter(logger);
  const sink = createLogSink(log, () => logger);
  const metrics = getMetrics();
  // One line per kind per 10 s (with how many were left out): a flood of refusals is not a flood of lines.
  const throttle = createThrottle();
  const refused = (outcome: Exclude<HandshakeOutcome, 'accepted'>, reason: string) => {
    metrics.handshakes.inc({ outcome });
    throttle(`refused:${outcome}`, (suppressed) =>
      logger.info({ event: 'handshake_refused', outcome, reason, ...(suppressed ? { suppressed } : {}) }, `handshake refused: ${reason}`),
    );
  };
  /** Sockets per user on this node (for the distinct-users gauge). */
  const socketsPerUser = new Map<string, number>();
  const source: ConnectionSource = { sockets: () => io.of('/').sockets.size, users: () => socketsPerUser.size };
  metrics.sources.add(source);

  let draining = false;
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
    // Runs on the first request of every session, polling or websocket: refuses foreign
    // browser origins (cross-site websocket hijacking). No Origin header = not a browser.
    // @see https://socket.io/docs/v4/server-options/#allowrequest
    allowRequest: (req, callback) => {
      if (draining) {
        refused('draining', SHUTTING_DOWN);
        return callback(SHUTTING_DOWN, false);
      }
      if (!isOriginAllowed(req, config.allowedOrigins)) {
        refused('origin', ORIGIN_NOT_ALLOWED);
        return callback(ORIGIN_NOT_ALLOWED, false);
      }
      const refusal = handshakes.admit(req); // session caps (handshake-limits.ts)
      if (refusal !== null) refused(refusal === SERVER_FULL ? 'cap' : 'flood', refusal);
      callback(refusal, refusal === null);
    },
  });
  const handshakes = createHandshakeGate(
    io,
    { ...DEFAULT_HANDSHAKE_LIMITS, ...definedOnly(handshakeLimits ?? {}) },
    addressKeyOf ?? ((req) => req.socket.remoteAddress ?? 'unknown'),
  );
  const connections = new Map<string, EngineConnection>();
  // allowRequest only sees the first request of a session. Every later one (the polls and
  // posts of that session, and its websocket upgrade) must come from an allowed origin too,
  // or a foreign page that learned a session id could ride on it.
  // (Refused with 400 Bad Request; the handshake itself gets allowRequest's 403.)
  io.engine.use((req: IncomingMessage, res: unknown, next: (error?: Error) => void) => {
    const sid = (req as { _query?: Record<string, string | undefined> })._query?.sid;
    if (!sid) return next(); // a handshake: allowRequest decides
    if (!isOriginAllowed(req, config.allowedOrigins)) return next(new Error(ORIGIN_NOT_ALLOWED));
    // Engine.IO answers a polling POST over `maxHttpBufferSize` with 413 but keeps the
    // session; end it, as a websocket over the cap is closed.
    if (req.method === 'POST' && res instanceof ServerResponse) {
      res.once('finish', () => {
        if (res.statusCode === 413) connections.get(sid)?.close(true);
      });
    }
    next();
  });
  // Flood limit per connection, counted at the Engine.IO level so that everything a client
  // can send counts (events, acks, unauthenticated CONNECTs, binary attachments, Engine.IO
  // noops), not only the events of an authenticated socket.
  io.engine.on('connection', (conn: EngineConnection) => {
    connections.set(conn.id, conn);
    conn.on('close', () => connections.delete(conn.id));
    limitClientMessages(conn, config, () => metrics.floodDisconnects.inc());
    limitBacklog(conn as unknown as BacklogConnection, config.maxBacklogBytes, (cause) => {
      const reason = cause === 'backlog' ? 'backlog' : 'unsolicited_pong';
      metrics.slowConsumersCut.inc({ reason });
      throttle(`cut:${reason}`, (suppressed) =>
        logger.warn({ event: 'slow_consumer_cut', reason, ...(suppressed ? { suppressed } : {}) }, `slow consumer cut: ${cause}`),
      );
    });
    (conn as unknown as BacklogConnection).on('packetCreate', (packet) => metrics.bytesOut.inc(packetBytes(packet.data) + 1));
  });

  // In milliseconds (the token's `iat_ms`): a token minted earlier in the sign-out's own second is refused too.
  // notBefore: the user's sign-out or the store's global not-before (a store that lost its data), the later.
  const issuedBeforeRevocation = async (userId: string, issuedAtMs: number) => {
    const notBefore = await revocations.notBefore(userId);
    return notBefore !== undefined && issuedAtMs <= notBefore;
  };

  // Presence counts this node's sockets only while it renews its lease, so a node that dies
  // without a word stops holding its users' connection slots.
  // The revocation check rides along: a store that lost its data or went back in time fails closed within a beat.
  const heartbeat = () => Promise.all([presence.heartbeat(nodeId).catch(onError), revocations.check().catch(onError)]);
  // Announcements only of settled changes, bounded per user (attacks-3 F2): @see presence-announcer.ts
  const announcer = createPresenceAnnouncer({ presence, membership, sink, nodeId, onError }, presenceOptions);
  const takeHandshake = createHandshakeRateLimit(stores.rateLimits, handshakeRate);
  const heartbeatTimer = setInterval(() => void heartbeat().then(() => announcer.tick()), PRESENCE_HEARTBEAT_MS);
  heartbeatTimer.unref();
  // Retention: the log drops what is past it in bounded steps (every node may do it; it is idempotent).
  const trimTimer = setInterval(() => void log.trim().catch(onError), LOG_TRIM_INTERVAL_MS);
  trimTimer.unref();
  let delivery: Delivery | undefined;
  const ready = heartbeat().then(async () => {
    delivery = await startDelivery(
      io,
      log,
      (error) => {
        // The log was reset: its store lost its data (Redis flushed, or restarted empty), presence too.
        if (error instanceof EventLogResyncError && error.reason === 'reset') restorePresence().catch(onError);
        onError(error);
      },
      definedOnly({ replayWindow: options.replayWindow, replayWindowBytes: options.replayWindowBytes }),
    );
  });
  ready.catch(onError);

  io.use(async (socket, next) => {
    const user = await verifySocketToken(socket.handshake.auth, key);
    if (!user || (await issuedBeforeRevocation(user.userId, user.issuedAtMs))) {
      refused('unauthorized', UNAUTHORIZED);
      return next(new Error(UNAUTHORIZED));
    }
    const resume = parseResume(socket.handshake.auth);
    const optedIn = wantsReplay(socket.handshake.auth);
    socket.handshake.auth = {}; // the bearer token is not kept once checked
    try {
      await ready;
      const tooMany = await takeHandshake(user.userId);
      if (tooMany) {
        refused('rate', tooMany.message);
        return next(tooMany);
      }
      // Counted atomically across every node: concurrent handshakes never pass the cap.
      const slot = await presence.connected(user.userId, nodeId, config.maxConnectionsPerUser);
      if (!slot.ok) {
        const reason = `Too many connections: at most ${config.maxConnectionsPerUser} per user`;
        refused('cap', reason);
        return next(new Error(reason));
      }
      socket.data.userId = user.userId;
      socket.data.pending = {
        rooms: await membership.roomsOf(user.userId),
        resume,
        optedIn,
        issuedAtMs: user.issuedAtMs,
        firstSocket: slot.count === 1,
      };
    } catch (error) {
      if (socket.data.userId) void presence.disconnected(user.userId, nodeId).catch(onError);
      // A store that cannot answer (Redis down) is not the client's fault: it is told to come
      // back later (`data.retry`, which the browser store honours) and learns nothing internal.
      onError(error instanceof Error ? error : new Error(String(error)));
      refused('unavailable', TEMPORARILY_UNAVAILABLE);
      return next(Object.assign(new Error(TEMPORARILY_UNAVAILABLE), { data: { retry: true } }));
    }
    next();
  });

  io.on('connection', (socket) => {
    // The handshake request is not needed after auth; dropping it saves memory per socket.
    // @see https://socket.io/docs/v4/memory-usage/
    (socket.conn as { request: IncomingMessage | null }).request = null;
    enforceOneWay(socket);
    const { userId, pending } = socket.data;
    socket.data.pending = undefined;
    const rooms = pending?.rooms ?? [];
    metrics.handshakes.inc({ outcome: 'accepted' });
    socketsPerUser.set(userId, (socketsPerUser.get(userId) ?? 0) + 1);
    if (pending?.firstSocket) announcer.firstSocket(userId);
    socket.once('disconnecting', () => {
      const left = (socketsPerUser.get(userId) ?? 1) - 1;
      if (left > 0) socketsPerUser.set(userId, left);
      else socketsPerUser.delete(userId);
      announcer.socketClosed(userId);
    });
    // Joins its rooms, re-checks the sign-out, replays what the client missed (if it says where it stopped).
    const resumeContext: ResumeContext = {
      rooms,
      request: pending?.resume,
      optedIn: pending?.optedIn ?? false,
      revoked: () => issuedBeforeRevocation(userId, pending?.issuedAtMs ?? 0),
      mayReadLog: () => stores.rateLimits.take(`replay-log:${userId}`, replayLogReads).then((taken) => taken.ok),
    };
    delivery!.resume(socket, resumeContext).catch((error: Error) => {
      onError(error);
      socket.disconnect(true);
    });
  });

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
    maxEventBytes,
    dependencies: options.dependencies,
    ...(givenLogger ? { logger: givenLogger } : {}),
    ...(events ? { events } : {}),
    ...(rooms ? { rooms } : {}),
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
      clearInterval(heartbeatTimer);
      clearInterval(trimTimer);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await delivery?.stop();
      await announcer.close();
      await presence.nodeDown(nodeId).catch(onError);
    },
  };
}

/**
 * Background errors to the log, once per distinct message per 10 s: a Redis outage makes every
 * heartbeat and handshake fail, and one line says it as well as a thousand.
 */
function createErrorReporter(logger: GatewayLogger, windowMs = 10_000): (error: Error) => void {
  const lastSeen = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    if ((lastSeen.get(error.message) ?? -Infinity) > now - windowMs) return;
    if (lastSeen.size > 100) lastSeen.clear();
    lastSeen.set(error.message, now);
    logger.error({ event: 'background_error', error: error.message }, `socket-gateway: ${error.message}`);
  };
}

/** Client → server events do nothing: they are dropped before any listener sees them. */
function enforceOneWay(socket: GatewaySocket): void {
  socket.use((_packet, _next) => {
    // `_next` is never called: the event is dropped without an error reply.
  });
}

/** The part of an Engine.IO connection (`io.engine` socket) the limits use. */
interface EngineConnection {
  id: string;
  on(event: 'packet' | 'close', listener: () => void): void;
  close(discard?: boolean): void;
}

/**
 * Closes a connection whose client sends more than `floodMaxEvents` packets within
 * `floodWindowMs`. A well-behaved client sends one CONNECT per connection and one pong per
 * ping interval (25 s), far below any sensible limit.
 */
function limitClientMessages(conn: EngineConnection, config: SocketServerLimits, onCut: () => void = () => {}): void {
  let windowStart = Date.now();
  let count = 0;
  conn.on('packet', () => {
    const now = Date.now();
    if (now - windowStart >= config.floodWindowMs) {
      windowStart = now;
      count = 0;
    }
    count += 1;
    if (count === config.floodMaxEvents + 1) onCut();
    if (count > config.floodMaxEvents) conn.close(true);
  });
}

/** No Origin header (not a browser), a listed origin, or (no list) the request's own host. */
export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[] | undefined): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins) return allowedOrigins.includes(origin);
  try {
    return req.headers.host !== undefined && new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
