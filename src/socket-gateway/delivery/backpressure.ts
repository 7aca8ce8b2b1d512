/**
 * Backpressure for long writes to one socket (the catch-up replay): Socket.IO's `emit` never
 * waits, it queues in the Engine.IO write buffer, so a loop that emits thousands of events in one
 * go grows that buffer past SOCKET_MAX_BACKLOG_BYTES and the slow-consumer guard (slow-consumers.ts)
 * cuts the socket; its client reconnects, asks for the same stretch, and is cut again. Pausing
 * until the queue is written out lets the client's own reading pace the writer instead.
 *
 * Written out = the transport took everything (`writable` again, the Engine.IO socket flushes
 * on the transport's `ready`) and nothing is left in the write buffer. Plumbing over Engine.IO
 * internals, which it exposes but does not document.
 * @see https://github.com/socketio/engine.io/blob/main/lib/socket.ts (flush, setTransport)
 */
import { packetBytes } from '../server/slow-consumers';

type Listener = () => void;

/** The part of an Engine.IO connection (`socket.conn`) this watches. */
export interface DrainableConnection {
  readyState: string;
  writeBuffer: unknown[];
  transport: { writable: boolean; on(event: 'ready', listener: Listener): unknown; off(event: 'ready', listener: Listener): unknown };
  on(event: 'upgrade' | 'close', listener: Listener): unknown;
  off(event: 'upgrade' | 'close', listener: Listener): unknown;
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
  off(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown;
}

function isWrittenOut(conn: DrainableConnection): boolean {
  return conn.readyState !== 'open' || (conn.transport.writable && conn.writeBuffer.length === 0);
}

/** Resolves once everything queued for `conn` is written out, or it is closed. */
export function writtenOut(conn: DrainableConnection): Promise<void> {
  if (isWrittenOut(conn)) return Promise.resolve();
  return new Promise((resolve) => {
    let transport = conn.transport;
    // Registered after the Engine.IO socket's own `ready` listener, so its flush has run when this checks.
    const check = () => {
      if (!isWrittenOut(conn)) return;
      transport.off('ready', check);
      conn.off('upgrade', onUpgrade);
      conn.off('close', check);
      resolve();
    };
    const onUpgrade = () => {
      transport.off('ready', check);
      transport = conn.transport;
      transport.on('ready', check);
      check();
    };
    transport.on('ready', check);
    conn.on('upgrade', onUpgrade);
    conn.on('close', check);
  });
}

/**
 * Counts the bytes queued on `conn` by the caller's emits: `pause()` resolves at once while fewer
 * than `windowBytes` were queued since the last pause, otherwise once they are written out.
 */
export function createWriteWindow(conn: DrainableConnection, windowBytes: number) {
  let queued = 0;
  const onPacket = (packet: { data?: unknown }) => {
    queued += packetBytes(packet.data) + 1;
  };
  conn.on('packetCreate', onPacket);
  return {
    full: () => queued >= windowBytes,
    async pause(): Promise<void> {
      queued = 0;
      await writtenOut(conn);
    },
    stop: () => conn.off('packetCreate', onPacket),
  };
}
