/**
 * Graceful shutdown for the one http.Server: stop accepting, let in-flight HTTP requests
 * finish, close every socket so clients reconnect elsewhere, then resolve. Bounded: after
 * `timeoutMs` whatever is left is destroyed and the result says so.
 *
 * "In flight" means a request whose headers have arrived and whose response has not ended.
 * A connection with none (idle keep-alive, or one that never finished its headers, or never
 * sent a byte) is closed at once: Node's closeIdleConnections() counts a connection with
 * half-received headers as busy, so one stuck client used to hold shutdown to its timeout.
 * @see https://nodejs.org/api/http.html#serverclosecallback
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ShutdownResult {
  /** False when the timeout cut connections that were still busy. */
  clean: boolean;
}

export interface ConnectionTracker {
  /** Closes the server and waits (at most `timeoutMs`) for its connections to end. */
  shutdown(options: { timeoutMs: number; beforeClose?: () => Promise<void> | void }): Promise<ShutdownResult>;
}

export function trackConnections(server: HttpServer): ConnectionTracker {
  const upgraded = new Set<Socket>();
  const all = new Set<Socket>();
  /** Requests in flight per connection (pipelined requests are announced before the previous one is answered). */
  const inFlight = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    all.add(socket);
    socket.once('close', () => {
      all.delete(socket);
      upgraded.delete(socket);
      inFlight.delete(socket);
    });
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (left > 0) inFlight.set(socket, left);
      else inFlight.delete(socket);
    });
  });
  // Upgraded sockets (Socket.IO, Next's HMR) never go idle in the HTTP sense.
  server.on('upgrade', (_req, socket: Socket) => upgraded.add(socket));
  /** Closes every connection that has no request in flight and is not upgraded. */
  const closeIdle = () => {
    for (const socket of all) if (!inFlight.has(socket) && !upgraded.has(socket)) socket.destroy();
  };

  return {
    async shutdown({ timeoutMs, beforeClose }) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await beforeClose?.();
      for (const socket of upgraded) socket.destroy();
      // Keep-alive connections become idle once their in-flight request ends; close them then.
      closeIdle();
      const sweep = setInterval(closeIdle, 50);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      });
      const cut = await Promise.race([closed.then(() => false), timedOut]);
      clearInterval(sweep);
      clearTimeout(timer);
      if (cut) for (const socket of all) socket.destroy();
      return { clean: !cut };
    },
  };
}
