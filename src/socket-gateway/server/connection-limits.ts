/**
 * Limits on every Engine.IO connection, whatever it sends or is sent: the flood limit (packets
 * per window, counted at the Engine.IO level so that events, acks, unauthenticated CONNECTs,
 * binary attachments and noops all count) and the outgoing backlog (slow-consumers.ts), plus
 * the bytes-out counter. Keeps the open connections by id (the origin guard closes one by id).
 */
import { createThrottle, type GatewayLogger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import { limitBacklog, packetBytes, type BacklogConnection } from './slow-consumers';
import type { GatewayServer } from '../types';

/** The part of an Engine.IO connection (`io.engine` socket) the limits use. */
export interface EngineConnection {
  id: string;
  on(event: 'packet' | 'close', listener: () => void): void;
  close(discard?: boolean): void;
}

export interface FloodLimit {
  /** A client sending more than `floodMaxEvents` packets within `floodWindowMs` is disconnected. */
  floodMaxEvents: number;
  floodWindowMs: number;
}

export interface ConnectionLimits extends FloodLimit {
  /** A connection whose outgoing backlog passes this many bytes is closed. */
  maxBacklogBytes: number;
}

/**
 * Closes a connection whose client sends more than `floodMaxEvents` packets within
 * `floodWindowMs`. A well-behaved client sends one CONNECT per connection and one pong per
 * ping interval (25 s), far below any sensible limit.
 */
export function limitClientMessages(conn: EngineConnection, limit: FloodLimit, onCut: () => void = () => {}): void {
  let windowStart = Date.now();
  let count = 0;
  conn.on('packet', () => {
    const now = Date.now();
    if (now - windowStart >= limit.floodWindowMs) {
      windowStart = now;
      count = 0;
    }
    count += 1;
    if (count === limit.floodMaxEvents + 1) onCut();
    if (count > limit.floodMaxEvents) conn.close(true);
  });
}

/** Applies the limits to every connection of `io`; returns the open connections by id. */
export function limitConnections(io: GatewayServer, limits: ConnectionLimits, metrics: GatewayMetrics, logger: GatewayLogger): Map<string, EngineConnection> {
  const connections = new Map<string, EngineConnection>();
  const throttle = createThrottle();
  io.engine.on('connection', (conn: EngineConnection) => {
    connections.set(conn.id, conn);
    conn.on('close', () => connections.delete(conn.id));
    limitClientMessages(conn, limits, () => metrics.floodDisconnects.inc());
    limitBacklog(conn as unknown as BacklogConnection, limits.maxBacklogBytes, (cause) => {
      const reason = cause === 'backlog' ? 'backlog' : 'unsolicited_pong';
      metrics.slowConsumersCut.inc({ reason });
      throttle(`cut:${reason}`, (suppressed) =>
        logger.warn({ event: 'slow_consumer_cut', reason, ...(suppressed ? { suppressed } : {}) }, `slow consumer cut: ${cause}`),
      );
    });
    (conn as unknown as BacklogConnection).on('packetCreate', (packet) => metrics.bytesOut.inc(packetBytes(packet.data) + 1));
  });
  return connections;
}
