/**
 * A socket that passed the handshake (handshake-auth.ts): made one-way, counted for the
 * distinct-users gauge and for presence announcements, then handed to delivery, which joins its
 * rooms, re-checks the sign-out and replays what it missed if it says where it stopped.
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayMetrics } from '../observability/metrics';
import type { PresenceAnnouncer } from './presence-announcer';
import type { Delivery, ResumeContext } from '../delivery/replay';
import type { RateLimit, RateLimitStore } from '../stores/types';
import type { GatewaySocket } from '../types';

export interface ConnectionSetupOptions {
  metrics: GatewayMetrics;
  announcer: Pick<PresenceAnnouncer, 'firstSocket' | 'socketClosed'>;
  /** The delivery, started once the log reader runs (before any socket connects). */
  delivery: () => Delivery;
  issuedBeforeRevocation: (userId: string, issuedAtMs: number) => Promise<boolean>;
  rateLimits: RateLimitStore;
  /** Per-user bucket of replays read from the log's store. */
  replayLogReads: RateLimit;
  onError: (error: Error) => void;
}

/** The one-way middleware, shared by every socket: `next` is never called, so the event is dropped without an error reply. */
function dropClientEvent(_packet: unknown, _next: unknown): void {}

/**
 * Client → server events do nothing: they are dropped before any listener sees them.
 * `socket.use` would push onto the socket's empty middleware array, which V8 then grows to 17
 * slots (~150 bytes per socket); a socket with no middleware yet gets a one-slot array instead.
 * @see https://github.com/socketio/socket.io/blob/main/packages/socket.io/lib/socket.ts (use, run)
 */
export function enforceOneWay(socket: GatewaySocket): void {
  const internals = socket as unknown as { fns?: unknown };
  if (Array.isArray(internals.fns) && internals.fns.length === 0) internals.fns = [dropClientEvent];
  else socket.use(dropClientEvent);
}

/** The `connection` listener, and the number of open sockets per user on this node. */
export function createConnectionSetup(options: ConnectionSetupOptions): { onConnection(socket: GatewaySocket): void; socketsPerUser: Map<string, number> } {
  const { metrics, announcer, delivery, issuedBeforeRevocation, rateLimits, replayLogReads, onError } = options;
  const socketsPerUser = new Map<string, number>();
  // One listener for every socket (`this` is the socket): a closure per socket would keep its
  // whole handshake context (the pending rooms, the resume request) for the socket's lifetime.
  function onDisconnecting(this: GatewaySocket): void {
    const { userId } = this.data;
    const left = (socketsPerUser.get(userId) ?? 1) - 1;
    if (left > 0) socketsPerUser.set(userId, left);
    else socketsPerUser.delete(userId);
    announcer.socketClosed(userId);
  }
  const onConnection = (socket: GatewaySocket) => {
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
    socket.on('disconnecting', onDisconnecting); // emitted once per socket
    // Joins its rooms, re-checks the sign-out, replays what the client missed (if it says where it stopped).
    const resumeContext: ResumeContext = {
      rooms,
      request: pending?.resume,
      optedIn: pending?.optedIn ?? false,
      revoked: () => issuedBeforeRevocation(userId, pending?.issuedAtMs ?? 0),
      mayReadLog: () => rateLimits.take(`replay-log:${userId}`, replayLogReads).then((taken) => taken.ok),
    };
    delivery()
      .resume(socket, resumeContext)
      .catch((error: Error) => {
        onError(error);
        socket.disconnect(true);
      });
  };
  return { onConnection, socketsPerUser };
}
