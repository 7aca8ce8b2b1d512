/**
 * /api/trpc: the library's route handler (socket-gateway/trpc) with the demo's settings: the
 * cross-site guard (a POST from another origin: 403; not JSON: 415), the batch cap
 * (TRPC_MAX_BATCH_SIZE, refused whole past it; the browser client batches no more, see
 * src/trpc/react.tsx), no-store on every answer, Retry-After on a rate-limit refusal.
 */
import { createTRPCRouteHandler } from 'socket-gateway/trpc';
import { getLogger } from 'socket-gateway/advanced';
import { getEnv } from '@/env';
import { ensureNextOnlyRealtime } from '@/server/event-streams';
import { createTRPCContext } from '@/server/trpc/init';
import { appRouter } from '@/server/trpc/root';

let routeHandler: ((req: Request) => Promise<Response>) | undefined;

/** Built on the first request: the settings are parsed by then (not while `next build` loads this module). */
async function handler(req: Request): Promise<Response> {
  // Under `next start` with Redis (no server.ts): the gateway runs on Redis in this process (event-streams.ts).
  await ensureNextOnlyRealtime();
  routeHandler ??= (() => {
    const { appOrigin, socket, trpc } = getEnv();
    return createTRPCRouteHandler({
      router: appRouter,
      createContext: createTRPCContext,
      // The app's own origin, or one the operator listed as the app's (SOCKET_ALLOWED_ORIGINS: every public origin of a cluster).
      allowedOrigins: [appOrigin, ...socket.allowedOrigins],
      maxBatchSize: trpc.maxBatchSize,
      onError({ error, path }) {
        // One line, the message only (no stack, no input: it may hold what users typed).
        if (error.code === 'INTERNAL_SERVER_ERROR')
          getLogger().error({ event: 'trpc_error', procedure: path ?? '?', error: error.message }, `tRPC ${path ?? '?'} failed: ${error.message}`);
      },
    });
  })();
  return routeHandler(req);
}

export { handler as GET, handler as POST };
