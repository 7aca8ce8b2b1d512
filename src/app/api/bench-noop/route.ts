import { getEnv } from '@/env';

export const dynamic = 'force-dynamic';

/**
 * The HTTP benchmark's baseline (bench/parts/http.ts): a route handler that does nothing, so
 * `notification.send` can be compared with what server.ts and Next cost alone. 204 when
 * BENCH_NOOP_ROUTE=1; otherwise 404, as if the route did not exist (off in every deployment).
 */
function handler(): Response {
  if (!getEnv().benchNoopRoute) return new Response('Not Found', { status: 404 });
  return new Response(null, { status: 204 });
}

export { handler as GET, handler as POST };
