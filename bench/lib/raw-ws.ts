/**
 * The lightest WebSocket client we could write for the load generator: a `net.Socket`, the
 * RFC 6455 upgrade by hand, and a frame parser that hands each text payload over as a
 * Buffer slice. No stream machinery, no UTF-8 validation, no per-message events.
 *
 * (The `ws` client's Receiver is a Writable stream; with 10,000 sockets on one core it, not
 * the server, set the fan-out latency. This one costs a fraction of that per frame.)
 * Limits, fine for a load generator: no fragmentation, no extensions, zero masking key.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawWebSocket {
  sendText(text: string): void;
  terminate(): void;
}

export interface RawWebSocketHandlers {
  open(): void;
  /** A text or binary payload (a slice of the received chunk: copy it to keep it). */
  frame(payload: Buffer): void;
  close(error?: Error): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** `headers`: extra request headers (e.g. X-Forwarded-For, so a proxy-aware server tells clients apart). */
export function openRawWebSocket(port: number, path: string, handlers: RawWebSocketHandlers, headers: Record<string, string> = {}): RawWebSocket {
  const socket: Socket = connect({ port, host: '127.0.0.1', noDelay: true });
  const key = randomBytes(16).toString('base64');
  let upgraded = false;
  let pending: Buffer | null = null;
  let closed = false;

  const close = (error?: Error) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    handlers.close(error);
  };

  const write = (opcode: number, payload: Buffer) => {
    const length = payload.length;
    // Client frames must be masked; an all-zero key leaves the payload bytes as they are.
    const header = length < 126 ? Buffer.alloc(6) : Buffer.alloc(8);
    header[0] = 0x80 | opcode;
    if (length < 126) {
      header[1] = 0x80 | length;
    } else {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    }
    socket.write(Buffer.concat([header, payload]));
  };

  socket.on('connect', () => {
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        '\r\n',
    );
  });

  socket.on('data', (chunk: Buffer) => {
    const buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
    pending = null;
    let offset = 0;
    if (!upgraded) {
      const end = buffer.indexOf(HEADER_END);
      if (end < 0) {
        pending = buffer;
        return;
      }
      const status = buffer.toString('latin1', 0, Math.min(end, 64));
      if (!status.startsWith('HTTP/1.1 101')) return close(new Error(`upgrade refused: ${status.split('\r\n')[0]}`));
      upgraded = true;
      offset = end + 4;
      handlers.open();
    }
    while (offset + 2 <= buffer.length) {
      const first = buffer[offset]!;
      let length = buffer[offset + 1]! & 0x7f;
      let header = 2;
      if (length === 126) {
        if (offset + 4 > buffer.length) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (offset + 10 > buffer.length) break;
        length = Number(buffer.readBigUInt64BE(offset + 2));
        header = 10;
      }
      if (offset + header + length > buffer.length) break;
      const payload = buffer.subarray(offset + header, offset + header + length);
      offset += header + length;
      const opcode = first & 0x0f;
      if (opcode === 1 || opcode === 2) handlers.frame(payload);
      else if (opcode === 9) write(0xa, payload);
      else if (opcode === 8) return close();
    }
    if (offset < buffer.length) pending = Buffer.from(buffer.subarray(offset));
  });

  socket.on('error', (error) => close(error));
  socket.on('close', () => close());

  return {
    sendText: (text) => write(1, Buffer.from(text)),
    terminate: () => {
      closed = true;
      socket.destroy();
    },
  };
}
