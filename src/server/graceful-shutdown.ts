/**
 * Graceful shutdown for the one http.Server: stop accepting, let in-flight HTTP requests
 * finish, close every socket so clients reconnect elsewhere, then resolve. Bounded: after
 * `timeoutMs` whatever is left is destroyed and the result says so.
 * @see https://nodejs.org/api/http.html#serverclosecallback
 */
import type { Server as HttpServer } from 'node:http';
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
  server.on('connection', (socket: Socket) => {
    all.add(socket);
    socket.once('close', () => {
      all.delete(socket);
      upgraded.delete(socket);
    });
  });
  // Upgraded sockets (Socket.IO, Next's HMR) never go idle in the HTTP sense.
  server.on('upgrade', (_req, socket: Socket) => upgraded.add(socket));

  return {
    async shutdown({ timeoutMs, beforeClose }) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await beforeClose?.();
      for (const socket of upgraded) socket.destroy();
      // Keep-alive connections become idle once their in-flight request ends; close them then.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
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
