/**
 * createSocketServer: the Socket.IO server of the gateway, attached to an existing
 * http.Server. It authenticates every handshake, puts each socket in its user's rooms and
 * enforces the one-way contract and the limits it is given (README, Security).
 */
import { ServerResponse, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { getEnv } from '@/env';
import { createHandshakeGate, type HandshakeLimits } from './handshake-limits';
import { registerGatewayRuntime, unregisterGatewayRuntime, type GatewayRuntime } from './registry';
import { userRoom } from './rooms';
import { verifySocketToken } from './socket-token';
import { createMemoryMembershipStore, createMemoryRevocationStore } from './stores';
import type { GatewayStores } from './stores/types';
import type { GatewayServer, GatewaySocket } from './types';

export const UNAUTHORIZED = 'Unauthorized';
export const ORIGIN_NOT_ALLOWED = 'Origin not allowed';
export const SHUTTING_DOWN = 'Server is shutting down';

/** The socket server's limits (README's Security table lists each with its variable). */
export interface SocketServerLimits {
  /** Browser origins allowed to open a socket. Requests with no Origin header are allowed (they still need a token). */
  allowedOrigins: string[];
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
}

export interface CreateSocketServerOptions extends Partial<SocketServerLimits> {
  /** Where memberships and sign-outs live (default: in memory). */
  stores?: Partial<GatewayStores>;
  /** How many app rooms one user may be in (default MAX_ROOMS_PER_USER). */
  maxRoomsPerUser?: number;
  /** Check emitted payloads against their schemas (default: outside production). */
  validatePayloads?: boolean;
  /** Make this server the one the `gateway` singleton uses (default true). */
  register?: boolean;
  /** Caps on Engine.IO sessions (default SOCKET_MAX_CONNECTIONS, SOCKET_MAX_UNAUTHENTICATED[_PER_ADDRESS]). */
  handshakeLimits?: Partial<HandshakeLimits>;
  /** The client address a handshake counts under (default: the TCP peer's address). */
  addressKeyOf?: (req: IncomingMessage) => string;
}

export interface SocketServerHandle extends GatewayRuntime {
  io: GatewayServer;
  limits: SocketServerLimits;
  /**
   * For graceful shutdown: refuses new handshakes and disconnects every socket (clients see
   * "transport close" and reconnect, to another server), leaving the http.Server to finish
   * its in-flight requests.
   */
  drain(): void;
  /** Disconnects every socket and stops Socket.IO (and the http.Server it is attached to). */
  close(): Promise<void>;
}

export function createSocketServer(httpServer: HttpServer, options: CreateSocketServerOptions = {}): SocketServerHandle {
  const env = getEnv();
  const { stores: givenStores = {}, register = true, maxRoomsPerUser = env.maxRoomsPerUser, validatePayloads = env.nodeEnv !== 'production', handshakeLimits, addressKeyOf, ...overrides } = options;
  const config: SocketServerLimits = { ...env.socket, ...definedOnly(overrides) };
  const stores: GatewayStores = {
    membership: givenStores.membership ?? createMemoryMembershipStore(),
    revocations: givenStores.revocations ?? createMemoryRevocationStore(),
  };
  const { membership, revocations } = stores;

  let draining = false;
  const io: GatewayServer = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: config.maxPayloadBytes,
    // A socket that opens a transport but never completes the Socket.IO handshake is dropped.
    connectTimeout: 10_000,
    cors: { origin: config.allowedOrigins, credentials: false },
    // Runs on the first request of every session, polling or websocket: refuses foreign
    // browser origins (cross-site websocket hijacking). No Origin header = not a browser.
    // @see https://socket.io/docs/v4/server-options/#allowrequest
    allowRequest: (req, callback) => {
      if (draining) return callback(SHUTTING_DOWN, false);
      if (!isOriginAllowed(req, config.allowedOrigins)) return callback(ORIGIN_NOT_ALLOWED, false);
      const refusal = handshakes.admit(req); // session caps (handshake-limits.ts)
      callback(refusal, refusal === null);
    },
  });
  const handshakes = createHandshakeGate(io, { ...env.handshake, ...definedOnly(handshakeLimits ?? {}) }, addressKeyOf ?? ((req) => req.socket.remoteAddress ?? 'unknown'));
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
    limitClientMessages(conn, config);
  });

  // iat has second precision: a token issued in the same second as the sign-out still passes.
  const issuedBeforeRevocation = async (userId: string, issuedAtSeconds: number) => {
    const revokedAt = await revocations.revokedAt(userId);
    return revokedAt !== undefined && issuedAtSeconds < Math.floor(revokedAt / 1000);
  };

  io.use(async (socket, next) => {
    const user = await verifySocketToken(socket.handshake.auth);
    if (!user || (await issuedBeforeRevocation(user.userId, user.issuedAt))) return next(new Error(UNAUTHORIZED));
    socket.handshake.auth = {}; // the bearer token is not kept once checked
    const personal = userRoom(user.userId);
    // Count and join with no await in between, so concurrent handshakes cannot both pass.
    const open = io.of('/').adapter.rooms.get(personal)?.size ?? 0;
    if (open >= config.maxConnectionsPerUser) {
      return next(new Error(`Too many connections: at most ${config.maxConnectionsPerUser} per user`));
    }
    socket.data.userId = user.userId;
    socket.join(personal);
    try {
      // Joined before the client sees `connect`, so nothing sent to these rooms is missed.
      socket.join(await membership.roomsOf(user.userId));
    } catch (error) {
      return next(error instanceof Error ? error : new Error(String(error)));
    }
    next();
  });

  io.on('connection', (socket) => {
    // The handshake request is not needed after auth; dropping it saves memory per socket.
    // @see https://socket.io/docs/v4/memory-usage/
    (socket.conn as { request: IncomingMessage | null }).request = null;
    enforceOneWay(socket);
  });

  const runtime: GatewayRuntime = { target: io, io, stores, maxRoomsPerUser, validatePayloads };
  if (register) registerGatewayRuntime(runtime);

  return {
    ...runtime,
    io,
    limits: config,
    drain() {
      draining = true;
      io.engine.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        unregisterGatewayRuntime(runtime);
        io.close(() => resolve());
      }),
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
function limitClientMessages(conn: EngineConnection, config: SocketServerLimits): void {
  let windowStart = Date.now();
  let count = 0;
  conn.on('packet', () => {
    const now = Date.now();
    if (now - windowStart >= config.floodWindowMs) {
      windowStart = now;
      count = 0;
    }
    count += 1;
    if (count > config.floodMaxEvents) conn.close(true);
  });
}

export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowedOrigins.includes(origin);
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
