/**
 * Slow consumers. Socket.IO queues what a socket cannot take yet in its Engine.IO write
 * buffer, with no bound: a client that stops reading makes the server hold every event sent
 * to it. Here each connection's backlog (packets queued plus the batch the transport is still
 * writing) is counted, and a connection past `maxBacklogBytes` is closed; its client
 * reconnects and catches up like after any drop.
 *
 * A pong the server did not ask for is closed on too: otherwise a client that never reads
 * could answer pings it never saw and stay alive past the ping timeout forever.
 * @see https://socket.io/docs/v4/engine-io-protocol/#heartbeat
 *
 * The counts live in a small state object per connection and the functions here update it: the
 * listeners that call them are shared by every connection (connection-limits.ts), so a
 * connection costs the state object, not a set of closures and their contexts.
 */

/** The part of an Engine.IO connection (`io.engine` socket) this reads. */
export interface BacklogConnection {
  transport: { writable: boolean };
}

/** One connection's backlog and heartbeat counts. */
export interface BacklogState {
  /** Bytes of packets created since the last flush. */
  queued: number;
  /** The batch handed to the transport and not yet written out. */
  inFlight: number;
  pingsSent: number;
  pongs: number;
}

export type CutReason = 'backlog' | 'unsolicited pong';

export function createBacklogState(): BacklogState {
  return { queued: 0, inFlight: 0, pingsSent: 0, pongs: 0 };
}

export function packetBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** A packet of `bytes` (`packetBytes` + 1) was created for `conn`: the reason to cut it, or null. */
export function backlogPacketCreated(state: BacklogState, conn: BacklogConnection, type: string, bytes: number, maxBacklogBytes: number): CutReason | null {
  if (conn.transport.writable) state.inFlight = 0; // the transport finished its last batch
  state.queued += bytes;
  if (type === 'ping') state.pingsSent += 1;
  return state.queued + state.inFlight > maxBacklogBytes ? 'backlog' : null;
}

/** `conn` handed its queue to the transport. */
export function backlogFlushed(state: BacklogState): void {
  state.inFlight = state.queued;
  state.queued = 0;
}

/** The client sent a packet of `type`: the reason to cut it (a pong it was never asked for), or null. */
export function backlogPacketReceived(state: BacklogState, type: string): CutReason | null {
  if (type !== 'pong') return null;
  state.pongs += 1;
  return state.pongs > state.pingsSent ? 'unsolicited pong' : null;
}
