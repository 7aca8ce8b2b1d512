/**
 * createSocketServer: the Socket.IO server of the gateway, attached to an existing
 * http.Server. It authenticates every handshake, puts each socket in its user's rooms and
 * enforces the one-way contract and the limits in `config.ts`.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { authenticate, getSocketTokenKey } from './auth';
import { loadSocketServerConfig, type SocketServerConfig } from './config';
import { createMemoryMembershipStore, type MembershipStore } from './membership-store';
import { registerSocketRuntime, unregisterSocketRuntime, type SocketRuntime } from './registry';
import { userRoom } from './rooms';
import type { GatewayServer, GatewaySocket } from './types';

export const UNAUTHORIZED = 'Unauthorized';
export const ORIGIN_NOT_ALLOWED = 'Origin not allowed';

export interface CreateSocketServerOptions extends Partial<SocketServerConfig> {
  /** Where users' room memberships live (default: in memory). */
  membership?: MembershipStore;
  /** Make this server the one the `gateway` singleton uses (default true). */
  register?: boolean;
}

export interface SocketServerHandle extends SocketRuntime {
  config: SocketServerConfig;
  /** Disconnects every socket and stops Socket.IO (and the http.Server it is attached to). */
  close(): Promise<void>;
}

export function createSocketServer(httpServer: HttpServer, options: CreateSocketServerOptions = {}): SocketServerHandle {
  const { membership = createMemoryMembershipStore(), register = true, ...overrides } = options;
  const config: SocketServerConfig = { ...loadSocketServerConfig(), ...definedOnly(overrides) };
  getSocketTokenKey(); // a missing secret is a start-up error, not a refused handshake later

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
      const allowed = isOriginAllowed(req, config.allowedOrigins);
      callback(allowed ? null : ORIGIN_NOT_ALLOWED, allowed);
    },
  });

  io.use(async (socket, next) => {
    const user = await authenticate(socket.handshake.auth);
    if (!user) return next(new Error(UNAUTHORIZED));
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
    enforceOneWay(socket, config);
  });

  const runtime: SocketRuntime = { io, membership };
  if (register) registerSocketRuntime(runtime);

  return {
    ...runtime,
    config,
    close: () =>
      new Promise<void>((resolve) => {
        unregisterSocketRuntime(runtime);
        io.close(() => resolve());
      }),
  };
}

/** Client → server events do nothing; a client that floods them is disconnected. */
function enforceOneWay(socket: GatewaySocket, config: SocketServerConfig): void {
  let windowStart = Date.now();
  let count = 0;
  socket.use((_packet, _next) => {
    const now = Date.now();
    if (now - windowStart >= config.floodWindowMs) {
      windowStart = now;
      count = 0;
    }
    count += 1;
    if (count > config.floodMaxEvents) socket.disconnect(true);
    // `_next` is never called: the event is dropped without an error reply.
  });
}

export function isOriginAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  return origin === undefined || allowedOrigins.includes(origin);
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
