/**
 * The app's one process: ONE http.Server serving Next.js (pages, /api/auth), the tRPC endpoint
 * (/api/trpc, answered here before Next) and the Socket.IO server (/socket.io) side by side, in
 * dev and in production.
 * @see https://nextjs.org/docs/app/guides/custom-server
 */
import { createServer } from 'node:http';
import nextEnv from '@next/env';
import next from 'next';
import { initEnv } from './src/env';
import { trackConnections } from './src/server/graceful-shutdown';
import { bodyLimitFor, declaredLengthFits, limitRequestBody, refuseTooLarge } from './src/server/http/body-limit';
import { CLIENT_ADDRESS_HEADER, clientAddress } from './src/server/http/client-address';
import { limitConnections } from './src/server/http/connection-limits';
import { startMetricsListener, type MetricsListener } from './src/server/http/metrics-listener';
import { setServerPhase } from './src/server/lifecycle';
import { createRealtime } from './src/server/realtime';
import { trpcHandlerSettings } from './src/server/trpc/handler-settings';
import { createNodeTRPCContext } from './src/server/trpc/node-context';
import { appRouter } from './src/server/trpc/root';
import { createLogger, getMetrics } from 'socket-gateway/advanced';
import { createSecurityHeaders } from 'socket-gateway/next';
import { createTRPCNodeHandler } from 'socket-gateway/trpc';

/**
 * A log reader that went away (a closed pipe) must not take the server down: writes to it
 * fail with EPIPE, which unhandled became an uncaught exception whose own log line failed
 * again, in a loop (86% CPU, no answers). The output is dropped; the server keeps serving.
 */
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

async function main(): Promise<void> {
  ignoreBrokenPipes();
  // .env files first, the way `next dev` / `next start` load them, then every setting is parsed once.
  // @see https://nextjs.org/docs/app/guides/environment-variables#loading-environment-variables-with-nextenv
  // @next/env is CommonJS: its named exports are not visible to an ESM import.
  nextEnv.loadEnvConfig(process.cwd(), process.env.NODE_ENV !== 'production', { info: () => {}, error: console.error });
  const env = initEnv(process.env);
  // JSON lines in production, readable lines in development, LOG_LEVEL's level (silent in tests): the
  // app's logger, handed to the gateway (which reads no settings itself).
  const logger = createLogger({ level: env.logLevel, readable: env.nodeEnv === 'development' });
  if (env.generatedSecret) {
    logger.warn({ event: 'generated_secret' }, '> NEXTAUTH_SECRET is not set: using a random development secret (sessions end when the server restarts).');
  }

  const httpServer = createServer({
    // Explicit bounds on a client that sends its request slowly (slowloris), checked every
    // second rather than Node's default 30 s.
    headersTimeout: env.http.headersTimeoutMs,
    requestTimeout: env.http.requestTimeoutMs,
    connectionsCheckingInterval: 1000,
  });
  // Open TCP connections, capped per client address and in total, so one host cannot take every file descriptor.
  limitConnections(httpServer, {
    maxConnections: env.http.maxConnections,
    maxConnectionsPerAddress: env.http.maxConnectionsPerAddress,
    perAddress: env.trustProxy === 0,
  });
  const app = next({ dev: env.dev, hostname: env.hostname, port: env.port, httpServer });
  const handle = app.getRequestHandler();
  await app.prepare();

  // Everything but /socket.io (Engine.IO takes those first) comes through here.
  const bodyLimits = { apiBytes: env.http.apiMaxBodyBytes, defaultBytes: env.http.maxBodyBytes };
  // CSP and friends (socket-gateway/next); an app with an OAuth provider adds its sources here,
  // e.g. `sources: { 'form-action': ['https://discord.com'], 'img-src': ['https://authjs.dev'] }`.
  const applySecurityHeaders = createSecurityHeaders({ appOrigin: env.appOrigin, dev: env.dev });
  // In production /api/trpc is answered here, not by Next's route (src/app/api/trpc, kept for
  // `next start` and development): the same guards (cross-site, batch cap, no-store, Retry-After)
  // and settings, without Next's web Request/Response round trip, half of a small call's cost
  // (docs/benchmarks.md). The session is read from the request's cookies (createNodeTRPCContext),
  // revocation included. Development keeps Next's route: it reloads edited procedures, and this
  // process (tsx, no reload) would not.
  const trpc = env.dev
    ? undefined
    : createTRPCNodeHandler({
        router: appRouter,
        createContext: createNodeTRPCContext,
        ...trpcHandlerSettings(env),
        maxBodyBytes: env.http.apiMaxBodyBytes,
      });
  httpServer.on('request', (req, res) => {
    // Who is asking, for per-address limits in code Next runs (sign-in throttling); never the client's say.
    req.headers[CLIENT_ADDRESS_HEADER] = clientAddress(req, env.trustProxy);
    applySecurityHeaders(req, res);
    limitRequestBody(req, res, bodyLimitFor(req.url, bodyLimits), () => void (trpc?.handles(req.url) ? trpc(req, res) : handle(req, res)));
  });
  // `Expect: 100-continue`: an oversized declared body is refused before the client sends it.
  httpServer.on('checkContinue', (req, res) => {
    const cap = bodyLimitFor(req.url, bodyLimits);
    if (!req.url?.startsWith('/socket.io/') && !declaredLengthFits(req, cap)) {
      applySecurityHeaders(req, res);
      return refuseTooLarge(res, cap);
    }
    res.writeContinue();
    httpServer.emit('request', req, res);
  });
  const realtime = await createRealtime(httpServer, env, logger);
  const connections = trackConnections(httpServer);
  // METRICS_PORT: /metrics on a private address of its own (src/server/http/metrics-listener.ts).
  let metricsListener: MetricsListener | undefined;

  let stopping: { signal: NodeJS.Signals; at: number } | undefined;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A terminal's Ctrl-C reaches us twice (from the terminal and from npm, which forwards
      // it): the same signal within a moment is one request, not "stop now".
      if (signal === stopping.signal && Date.now() - stopping.at < 250) return;
      logger.warn({ event: 'shutdown', signal, phase: 'forced' }, `> ${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = { signal, at: Date.now() };
    setServerPhase('draining');
    logger.info(
      { event: 'shutdown', signal, phase: 'draining', timeoutMs: env.shutdownTimeoutMs },
      `> ${signal}: shutting down (at most ${env.shutdownTimeoutMs} ms)`,
    );
    const { clean } = await connections.shutdown({
      timeoutMs: env.shutdownTimeoutMs,
      // No new handshakes; every transport closes: clients see "transport close" and reconnect.
      beforeClose: () => realtime.drain(),
    });
    await realtime.close().catch(() => undefined);
    await metricsListener?.close();
    await app.close().catch(() => undefined);
    logger[clean ? 'info' : 'warn'](
      { event: 'shutdown', phase: clean ? 'closed' : 'timed_out' },
      clean ? '> Closed cleanly' : '> Shutdown timed out: remaining connections were cut',
    );
    process.exit(clean ? 0 : 1);
  };
  // Registered before listening and before "Ready" is printed: a supervisor may signal the
  // moment it sees that line, and an unhandled SIGTERM kills the process on the spot.
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    // A deep accept queue: when a node dies, every one of its clients reconnects here within a
    // second or two, while this event loop is busy with the handshakes. Node's default backlog
    // (511) overflowed: the kernel dropped the rest, and their TCP retries (1 s, 3 s, 7 s, 15 s)
    // left handshakes waiting 20 s on an idle core (the bench's reconnect storm, issue 21).
    // @see https://nodejs.org/api/net.html#serverlistenoptions-callback (backlog; Linux caps it at net.core.somaxconn)
    httpServer.listen({ port: env.port, host: env.hostname, backlog: env.http.listenBacklog }, () => resolve());
  });
  if (env.metricsListen) {
    metricsListener = await startMetricsListener({ ...env.metricsListen, registry: getMetrics().registry, token: env.metricsToken });
    logger.info({ event: 'metrics_listening', url: metricsListener.url }, `> Metrics on ${metricsListener.url}`);
  }
  if (stopping) return;
  setServerPhase('serving');
  const state = realtime.mode === 'redis' ? `Redis ${env.redis?.keyPrefix ?? ''} as node ${realtime.sockets.nodeId}` : `embedded database ${env.databasePath}`;
  logger.info(
    { event: 'ready', url: env.appUrl, mode: realtime.mode },
    `> Ready on ${env.appUrl} (${env.dev ? 'development' : 'production'}, ${state}, pid ${process.pid})`,
  );
}

main().catch((error: unknown) => {
  // Start-up failed (often the settings themselves, which the logger needs): a plain line.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
