/**
 * /api/trpc under `next start` (no server.ts): the library's route handler (socket-gateway/trpc)
 * with the demo's settings (src/server/trpc/handler-settings.ts): the cross-site guard (a POST
 * from another origin: 403; not JSON: 415), the batch cap (TRPC_MAX_BATCH_SIZE, refused whole
 * past it), no-store on every answer, Retry-After on a rate-limit refusal.
 *
 * Through server.ts (`npm start`, `npm run dev`) this route is never reached: server.ts answers
 * /api/trpc itself with the library's Node handler and the same settings, before Next
 * (docs/architecture.md, "The tRPC endpoint").
 */
import { createTRPCRouteHandler } from 'socket-gateway/trpc';
import { getEnv } from '@/env';
import { ensureNextOnlyRealtime } from '@/server/event-streams';
import { trpcHandlerSettings } from '@/server/trpc/handler-settings';
import { createTRPCContext } from '@/server/trpc/next-context';
import { appRouter } from '@/server/trpc/root';

let routeHandler: ((req: Request) => Promise<Response>) | undefined;

/** Built on the first request: the settings are parsed by then (not while `next build` loads this module). */
async function handler(req: Request): Promise<Response> {
  // Under `next start` with Redis (no server.ts): the gateway runs on Redis in this process (event-streams.ts).
  await ensureNextOnlyRealtime();
  routeHandler ??= createTRPCRouteHandler({ router: appRouter, createContext: createTRPCContext, ...trpcHandlerSettings(getEnv()) });
  return routeHandler(req);
}

export { handler as GET, handler as POST };
