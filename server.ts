/**
 * The app's one process: ONE http.Server serving Next.js (pages, /api/auth, /api/trpc)
 * and the Socket.IO server (/socket.io) side by side, in dev and in production.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import { createServer } from 'node:http';
import next from 'next';
import { trackConnections } from './src/server/graceful-shutdown';
import { setServerPhase } from './src/server/lifecycle';
import { prepareAuthEnv } from './src/server/secrets';
import { createSocketServer } from './src/socket-gateway/server';

const dev = process.env.NODE_ENV !== 'production';
const hostname = process.env.HOSTNAME ?? 'localhost';
const port = wholeNumber('PORT', process.env.PORT || '3000', 0, 65_535);
const shutdownTimeoutMs = wholeNumber('SHUTDOWN_TIMEOUT_MS', process.env.SHUTDOWN_TIMEOUT_MS || '10000', 1, 600_000);

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const { generatedSecret } = prepareAuthEnv(process.env, { dev, port, hostname });
  if (generatedSecret) {
    console.warn('> NEXTAUTH_SECRET is not set: using a random development secret (sessions end when the server restarts).');
  }

  const httpServer = createServer();
  const app = next({ dev, hostname, port, httpServer });
  const handle = app.getRequestHandler();
  await app.prepare();

  httpServer.on('request', (req, res) => {
    void handle(req, res);
  });
  const sockets = createSocketServer(httpServer);
  const connections = trackConnections(httpServer);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      console.warn(`> ${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    setServerPhase('draining');
    console.log(`> ${signal}: shutting down (at most ${shutdownTimeoutMs} ms)`);
    const { clean } = await connections.shutdown({
      timeoutMs: shutdownTimeoutMs,
      // No new handshakes; every transport closes: clients see "transport close" and reconnect.
      beforeClose: () => sockets.drain(),
    });
    await app.close().catch(() => undefined);
    console.log(clean ? '> Closed cleanly' : '> Shutdown timed out: remaining connections were cut');
    process.exit(clean ? 0 : 1);
  };
  // Registered before listening and before "Ready" is printed: a supervisor may signal the
  // moment it sees that line, and an unhandled SIGTERM kills the process on the spot.
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, hostname, () => resolve());
  });
  if (stopping) return;
  setServerPhase('serving');
  console.log(`> Ready on ${process.env.NEXTAUTH_URL} (${dev ? 'development' : 'production'}, pid ${process.pid})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
