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

/** One admitted handshake, until its session authenticates or ends. */
interface Admission {
  key: string;
  /** Still counted as unauthenticated. */
  pending: boolean;
  /** Its Engine.IO session exists (Engine.IO's clientsCount counts it from then on), or the handshake failed. */
  attached: boolean;
  /** Stops watching the handshake's TCP connection. */
  unwatch: () => void;
}

interface EngineConnection {
  request: IncomingMessage;
  on(event: 'close', listener: (this: EngineConnection) => void): void;
  off(event: 'close', listener: (this: EngineConnection) => void): void;
}

const noop = () => {};

export function createHandshakeGate(io: GatewayServer, limits: HandshakeLimits, addressKeyOf: (req: IncomingMessage) => string): HandshakeGate {
  const byRequest = new WeakMap<IncomingMessage, Admission>();
  const byConnection = new WeakMap<object, Admission>();
  const pendingByKey = new Map<string, number>();
  let pending = 0;
  let unattached = 0;

  const settle = (admission: Admission | undefined) => {
    if (!admission?.pending) return;
    admission.pending = false;
    pending -= 1;
    const left = (pendingByKey.get(admission.key) ?? 1) - 1;
    if (left > 0) pendingByKey.set(admission.key, left);
    else pendingByKey.delete(admission.key);
  };
  const detach = (admission: Admission | undefined) => {
    if (!admission || admission.attached) return;
    admission.attached = true;
    unattached -= 1;
    admission.unwatch();
    admission.unwatch = noop; // its closure holds the request: let it go with the connection's
  };
  // Shared by every connection (`this` is the connection), and removed once the socket connects:
  // nothing of the admission stays on an open socket.
  function settleOnClose(this: EngineConnection): void {
    settle(byConnection.get(this));
    byConnection.delete(this);
  }

  io.engine.on('connection', (conn: EngineConnection) => {
    const admission = byRequest.get(conn.request);
    if (!admission) return;
    byRequest.delete(conn.request);
    detach(admission);
    byConnection.set(conn, admission);
    conn.on('close', settleOnClose);
  });
  // The handshake failed after allowRequest (bad protocol version, transport error…).
  io.engine.on('connection_error', ({ req }: { req: IncomingMessage }) => {
    const admission = byRequest.get(req);
    byRequest.delete(req);
    detach(admission);
    settle(admission);
  });
  io.on('connection', (socket) => {
    const conn = socket.conn as unknown as EngineConnection;
    const admission = byConnection.get(conn);
    if (!admission) return;
    byConnection.delete(conn);
    conn.off('close', settleOnClose);
    settle(admission);
  });

  return {
    admit(req) {
      const key = addressKeyOf(req);
      if (io.engine.clientsCount + unattached >= limits.maxConnections) return SERVER_FULL;
      if (pending >= limits.maxUnauthenticated) return TOO_MANY_UNAUTHENTICATED;
      if ((pendingByKey.get(key) ?? 0) >= limits.maxUnauthenticatedPerAddress) return TOO_MANY_UNAUTHENTICATED_FROM_ADDRESS;
      const admission: Admission = { key, pending: true, attached: false, unwatch: () => {} };
      pending += 1;
      unattached += 1;
      pendingByKey.set(key, (pendingByKey.get(key) ?? 0) + 1);
      byRequest.set(req, admission);
      // A websocket upgrade that fails before Engine.IO takes it (the ws library refuses it)
      // reports nothing: its connection closes, and that ends the admission.
      const socket = req.socket;
      const onClose = () => {
        byRequest.delete(req);
        detach(admission);
        settle(admission);
      };
      socket.once('close', onClose);
      // Polling handshakes ride on keep-alive connections: stop watching once the session exists.
      admission.unwatch = () => socket.off('close', onClose);
      return null;
    },
    unauthenticated: (key) => (key === undefined ? pending : (pendingByKey.get(key) ?? 0)),
  };
}
