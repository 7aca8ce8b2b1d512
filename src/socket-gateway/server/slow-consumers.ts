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
 */

/** The part of an Engine.IO connection (`io.engine` socket) this uses. */
export interface BacklogConnection {
  transport: { writable: boolean };
  on(event: 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): void;
  on(event: 'flush', listener: () => void): void;
  on(event: 'packet', listener: (packet: { type: string }) => void): void;
  close(discard?: boolean): void;
}

export function packetBytes(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** Closes `conn` once its outgoing backlog passes `maxBacklogBytes`, or on an unsolicited pong. Calls `onCut` with the reason. */
export function limitBacklog(conn: BacklogConnection, maxBacklogBytes: number, onCut: (reason: 'backlog' | 'unsolicited pong') => void = () => {}): void {
  let queued = 0; // packets created since the last flush
  let inFlight = 0; // the batch handed to the transport and not yet written out
  let cut = false;
  const closeFor = (reason: 'backlog' | 'unsolicited pong') => {
    if (cut) return;
    cut = true;
    onCut(reason);
    conn.close(true); // discard the backlog: it is what we are freeing
  };
  conn.on('packetCreate', (packet) => {
    if (conn.transport.writable) inFlight = 0; // the transport finished its last batch
    queued += packetBytes(packet.data) + 1;
    if (queued + inFlight > maxBacklogBytes) closeFor('backlog');
  });
  conn.on('flush', () => {
    inFlight = queued;
    queued = 0;
  });

  let pingsSent = 0;
  let pongs = 0;
  conn.on('packetCreate', (packet) => {
    if (packet.type === 'ping') pingsSent += 1;
  });
  conn.on('packet', (packet) => {
    if (packet.type !== 'pong') return;
    pongs += 1;
    if (pongs > pingsSent) closeFor('unsolicited pong');
  });
}
