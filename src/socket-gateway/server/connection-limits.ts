/**
 * Limits on every Engine.IO connection, whatever it sends or is sent: the flood limit (packets
 * per window, counted at the Engine.IO level so that events, acks, unauthenticated CONNECTs,
 * binary attachments and noops all count) and the outgoing backlog (slow-consumers.ts), plus
 * the bytes-out counter.
 *
 * Memory per connection matters here (every open socket pays it): the listeners are
 * created once and shared by every connection (an EventEmitter calls them with `this` set to the
 * connection), and a connection's counts are one small object on it, not closures with contexts.
 * @see docs/benchmarks.md (heap per connection)
 */
import { createThrottle, type GatewayLogger } from '../observability/logger';
import type { GatewayMetrics } from '../observability/metrics';
import {
  backlogFlushed,
  backlogPacketCreated,
  backlogPacketReceived,
  createBacklogState,
  packetBytes,
  type BacklogState,
  type CutReason,
} from './slow-consumers';
import type { GatewayServer } from '../types';

export interface FloodLimit {
  /** A client sending more than `floodMaxEvents` packets within `floodWindowMs` is disconnected. */
  floodMaxEvents: number;
  floodWindowMs: number;
}

export interface ConnectionLimits extends FloodLimit {
  /** A connection whose outgoing backlog passes this many bytes is closed. */
  maxBacklogBytes: number;
}

/** A connection's counts: the flood window, the backlog (slow-consumers.ts), whether it was cut. */
interface LimitState extends BacklogState {
  windowStart: number;
  count: number;
  cut: boolean;
}

const LIMITS = Symbol('connectionLimits');

function createLimitState(): LimitState {
  const { queued, inFlight, pingsSent, pongs } = createBacklogState();
  return { queued, inFlight, pingsSent, pongs, windowStart: Date.now(), count: 0, cut: false };
}

/** The part of an Engine.IO connection (`io.engine` socket) the limits use. */
interface LimitedConnection {
  [LIMITS]: LimitState;
  transport: { writable: boolean };
  on(event: 'packet' | 'packetCreate', listener: (this: LimitedConnection, packet: { type: string; data?: unknown }) => void): void;
  close(discard?: boolean): void;
}

/**
 * Closes a connection whose client sends more than `floodMaxEvents` packets within
 * `floodWindowMs` (a well-behaved client sends one CONNECT per connection and one pong per ping
 * interval, 25 s, far below any sensible limit), or whose backlog passes `maxBacklogBytes`, or
 * that answers a ping it was never sent.
 */
export function limitConnections(io: GatewayServer, limits: ConnectionLimits, metrics: GatewayMetrics, logger: GatewayLogger): void {
  const { floodMaxEvents, floodWindowMs, maxBacklogBytes } = limits;
  const throttle = createThrottle();
  const cut = (conn: LimitedConnection, cause: CutReason) => {
    const state = conn[LIMITS];
    if (state.cut) return;
    state.cut = true;
    const reason = cause === 'backlog' ? 'backlog' : 'unsolicited_pong';
    metrics.slowConsumersCut.inc({ reason });
    throttle(`cut:${reason}`, (suppressed) =>
      logger.warn({ event: 'slow_consumer_cut', reason, ...(suppressed ? { suppressed } : {}) }, `slow consumer cut: ${cause}`),
    );
    conn.close(true); // discard the backlog: it is what we are freeing
  };

  function onPacket(this: LimitedConnection, packet: { type: string }): void {
    const state = this[LIMITS];
    const now = Date.now();
    if (now - state.windowStart >= floodWindowMs) {
      state.windowStart = now;
      state.count = 0;
    }
    state.count += 1;
    if (state.count === floodMaxEvents + 1) metrics.floodDisconnects.inc();
    if (state.count > floodMaxEvents) this.close(true);
    const cause = backlogPacketReceived(state, packet.type);
    if (cause) cut(this, cause);
  }
  function onPacketCreate(this: LimitedConnection, packet: { type: string; data?: unknown }): void {
    const bytes = packetBytes(packet.data) + 1;
    const cause = backlogPacketCreated(this[LIMITS], this, packet.type, bytes, maxBacklogBytes);
    if (cause) cut(this, cause);
    metrics.bytesOut.inc(bytes);
  }

  io.engine.on('connection', (conn: LimitedConnection) => {
    conn[LIMITS] = createLimitState();
    conn.on('packet', onPacket);
    conn.on('packetCreate', onPacketCreate);
  });
  // Engine.IO repeats every connection's 'flush' on the server: one listener here instead of a
  // third event name on every connection (whose listener table grows a size past two new names).
  // @see https://github.com/socketio/engine.io/blob/main/lib/socket.ts (flush)
  io.engine.on('flush', (conn: LimitedConnection) => {
    const state = conn[LIMITS];
    if (state) backlogFlushed(state);
  });
}
