/**
 * TCP connection caps for the one http.Server, so that no single host (a slowloris that opens
 * connections and never finishes a request) can take every file descriptor and lock out
 * everyone else: at most `maxConnections` open at once (kept under the open-file limit, see
 * HTTP_MAX_CONNECTIONS) and at most `maxConnectionsPerAddress` from one client address.
 *
 * Counted per TCP peer: behind a reverse proxy every connection comes from the proxy, so the
 * per-address cap is not applied there (`perAddress: false`); the proxy must limit per address.
 * A refused connection is answered `503` with the reason and closed at once (its file
 * descriptor is what the cap protects).
 */
import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { addressKey } from './client-address';

export interface ConnectionLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  /** Apply the per-address cap (false behind a trusted proxy: every peer is the proxy). */
  perAddress: boolean;
}

export const TOO_MANY_CONNECTIONS = 'Too many connections: the server is full';
export const TOO_MANY_FROM_ADDRESS = 'Too many connections from this address';

export interface ConnectionCounter {
  /** Open connections in total and from `address`. */
  open(address?: string): number;
}

export function limitConnections(server: HttpServer, limits: ConnectionLimits): ConnectionCounter {
  let total = 0;
  const byAddress = new Map<string, number>();

  server.on('connection', (socket: Socket) => {
    const key = addressKey(socket.remoteAddress ?? 'unknown');
    const fromAddress = byAddress.get(key) ?? 0;
    const refusal =
      total >= limits.maxConnections
        ? TOO_MANY_CONNECTIONS
        : limits.perAddress && fromAddress >= limits.maxConnectionsPerAddress
          ? TOO_MANY_FROM_ADDRESS
          : null;
    if (refusal) return refuse(socket, refusal);
    total += 1;
    byAddress.set(key, fromAddress + 1);
    socket.once('close', () => {
      total -= 1;
      const left = (byAddress.get(key) ?? 1) - 1;
      if (left > 0) byAddress.set(key, left);
      else byAddress.delete(key);
    });
  });

  return { open: (address) => (address === undefined ? total : (byAddress.get(addressKey(address)) ?? 0)) };
}

/** Answers 503 without reading the request (it is never parsed), then releases the socket. */
function refuse(socket: Socket, reason: string): void {
  socket.pause(); // Node's HTTP parser never sees this connection's bytes
  socket.on('error', () => undefined);
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Retry-After: 10\r\nConnection: close\r\n\r\n${body}`,
  );
  // Once the answer is handed to the kernel: the descriptor is what this cap protects.
  socket.once('finish', () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}
