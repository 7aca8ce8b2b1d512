import { findGatewayRuntime } from '@/socket-gateway';
import { getServerPhase } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

/**
 * 200 `{ status: "ok", dependencies }` while serving with every dependency up; 503 with
 * `status: "degraded"` naming the one that is down (Redis), `draining` during shutdown, or
 * `unavailable` without a socket server. No connection counts: those belong to the metrics.
 */
export function GET() {
  const runtime = findGatewayRuntime();
  if (!runtime) return Response.json({ status: 'unavailable' }, { status: 503 });
  const dependencies = runtime.dependencies?.() ?? {};
  if (getServerPhase() !== 'serving') return Response.json({ status: 'draining', dependencies }, { status: 503 });
  const down = Object.entries(dependencies).filter(([, state]) => state === 'down');
  if (down.length) return Response.json({ status: 'degraded', dependencies }, { status: 503 });
  return Response.json({ status: 'ok', dependencies });
}
