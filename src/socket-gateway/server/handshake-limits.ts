/**
 * Caps on Engine.IO sessions, checked at the handshake (`allowRequest`), before a session
 * exists: at most `maxConnections` sessions on this server, and at most `maxUnauthenticated`
 * sessions that have not authenticated yet (no successful Socket.IO CONNECT), of which at most
 * `maxUnauthenticatedPerAddress` from one client address. Without them, 8,000 half-open
 * handshakes from one address were all kept (+280 MB); Socket.IO drops a session that never
 * authenticates only after its 10 s connect timeout.
 *
 * A handshake is counted from `allowRequest` on (Engine.IO creates the session a tick later),
 * so a burst of concurrent handshakes cannot all pass the check. It stops counting as
 * unauthenticated when its socket connects, and altogether when the session closes or the
 * handshake fails.
 */
import type { IncomingMessage } from 'node:http';
import type { GatewayServer } from '../types';

export interface HandshakeLimits {
  /** Engine.IO sessions on this server, authenticated or not. */
  maxConnections: number;
  /** Sessions that have not authenticated yet, in total. */
  maxUnauthenticated: number;
  /** Sessions that have not authenticated yet, per client address. */
  maxUnauthenticatedPerAddress: number;
}

export const SERVER_FULL = 'Server is at its connection limit';
export const TOO_MANY_UNAUTHENTICATED = 'Too many unauthenticated connections on this server';
export const TOO_MANY_UNAUTHENTICATED_FROM_ADDRESS = 'Too many unauthenticated connections from this address';

export interface HandshakeGate {
  /** For `allowRequest`: null to let the handshake through (and count it), or why it is refused. */
  admit(req: IncomingMessage): string | null;
  /** Unauthenticated sessions now: in total, or from one address key. */
  unauthenticated(addressKey?: string): number;
}

/**
 * One admitted handshake, until its session authenticates or ends. No listener watches it: an
 * ended one (its TCP connection destroyed before Engine.IO took it, or its session closed) is
 * noticed when the counts are read, which is only ever when a cap would refuse or someone asks
 * (`unauthenticated`). A listener per connection would stay on every open socket: an EventEmitter
 * keeps the grown listener array after a removal (heap per connection, docs/benchmarks.md).
 */
interface Admission {
  key: string;
  /** The handshake's TCP connection, until its Engine.IO session exists (a websocket upgrade the ws library refused reports nothing else). */
  tcp: { destroyed: boolean } | undefined;
  /** Its Engine.IO session, once it exists (Engine.IO's clientsCount counts it from then on). */
  conn: { readyState: string } | undefined;
}

const MIN_PRUNE_AT = 64;

export function createHandshakeGate(io: GatewayServer, limits: HandshakeLimits, addressKeyOf: (req: IncomingMessage) => string): HandshakeGate {
  /** Admitted and not authenticated yet. */
  const admissions = new Set<Admission>();
  const byRequest = new WeakMap<IncomingMessage, Admission>();
  const byConnection = new WeakMap<object, Admission>();
  const pendingByKey = new Map<string, number>();
  /** Admissions whose Engine.IO session does not exist yet. */
  let unattached = 0;
  let pruneAt = MIN_PRUNE_AT;

  const end = (admission: Admission | undefined) => {
    if (!admission || !admissions.delete(admission)) return;
    if (!admission.conn) unattached -= 1;
    const left = (pendingByKey.get(admission.key) ?? 1) - 1;
    if (left > 0) pendingByKey.set(admission.key, left);
    else pendingByKey.delete(admission.key);
  };
  /** Ends the admissions whose TCP connection or session is gone. */
  const prune = () => {
    for (const admission of admissions) if (admission.conn ? admission.conn.readyState === 'closed' : admission.tcp?.destroyed) end(admission);
  };
  const refusalFor = (key: string): string | null => {
    if (io.engine.clientsCount + unattached >= limits.maxConnections) return SERVER_FULL;
    if (admissions.size >= limits.maxUnauthenticated) return TOO_MANY_UNAUTHENTICATED;
    if ((pendingByKey.get(key) ?? 0) >= limits.maxUnauthenticatedPerAddress) return TOO_MANY_UNAUTHENTICATED_FROM_ADDRESS;
    return null;
  };

  io.engine.on('connection', (conn: { request: IncomingMessage; readyState: string }) => {
    const admission = byRequest.get(conn.request);
    if (!admission) return;
    byRequest.delete(conn.request);
    if (!admissions.has(admission)) return;
    unattached -= 1;
    admission.tcp = undefined;
    admission.conn = conn;
    byConnection.set(conn, admission);
  });
  // The handshake failed after allowRequest (bad protocol version, transport error…).
  io.engine.on('connection_error', ({ req }: { req: IncomingMessage }) => {
    end(byRequest.get(req));
    byRequest.delete(req);
  });
  io.on('connection', (socket) => {
    end(byConnection.get(socket.conn));
    byConnection.delete(socket.conn);
  });

  return {
    admit(req) {
      const key = addressKeyOf(req);
      // Ended admissions hold their closed session until a prune: at most as many as the live ones (or 64).
      if (admissions.size >= pruneAt) {
        prune();
        pruneAt = Math.max(MIN_PRUNE_AT, admissions.size * 2);
      }
      let refusal = refusalFor(key);
      if (refusal !== null) {
        prune();
        refusal = refusalFor(key);
      }
      if (refusal !== null) return refusal;
      const admission: Admission = { key, tcp: req.socket, conn: undefined };
      admissions.add(admission);
      unattached += 1;
      pendingByKey.set(key, (pendingByKey.get(key) ?? 0) + 1);
      byRequest.set(req, admission);
      return null;
    },
    unauthenticated(key) {
      prune();
      return key === undefined ? admissions.size : (pendingByKey.get(key) ?? 0);
    },
  };
}
