import { findGatewayRuntime } from 'socket-gateway/advanced';
import { getServerPhase } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

/**
 * 200 `{ status: "ok", dependencies, credentialsResetAt }` while serving with every dependency up;
 * 503 with `status: "degraded"` naming the one that is down (Redis), `draining` during shutdown, or
 * `unavailable` without a socket server. No connection counts: those belong to the metrics.
 *
 * `credentialsResetAt` (epoch ms): every socket token and session issued at or before it is
 * refused, because the revocation store started then or lost its data then (flushed, emptied,
 * restored from an older snapshot). It is not an outage (the node serves; users sign in again), so
 * the status stays "ok": a monitor alerts on the value moving forward. See docs/security.md, Revocation.
 */
export function GET() {
  const runtime = findGatewayRuntime();
  if (!runtime) return Response.json({ status: 'unavailable' }, { status: 503 });
  const dependencies = runtime.dependencies?.() ?? {};
  const credentialsResetAt = runtime.stores.revocations.credentialsResetAt() ?? null;
  if (getServerPhase() !== 'serving') return Response.json({ status: 'draining', dependencies, credentialsResetAt }, { status: 503 });
  const down = Object.entries(dependencies).filter(([, state]) => state === 'down');
  if (down.length) return Response.json({ status: 'degraded', dependencies, credentialsResetAt }, { status: 503 });
  return Response.json({ status: 'ok', dependencies, credentialsResetAt });
}
