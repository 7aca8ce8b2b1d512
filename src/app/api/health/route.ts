import { findGatewayRuntime } from '@/socket-gateway';
import { getServerPhase } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

/** 200 `{ status: "ok" }` while serving; 503 while draining or without a socket server. */
export function GET() {
  const runtime = findGatewayRuntime();
  if (!runtime || getServerPhase() !== 'serving') {
    return Response.json({ status: runtime ? 'draining' : 'unavailable' }, { status: 503 });
  }
  return Response.json({ status: 'ok' });
}
