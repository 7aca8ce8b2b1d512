import { findSocketRuntime } from '@/socket-gateway/registry';
import { getServerPhase } from '@/server/lifecycle';

export const dynamic = 'force-dynamic';

/** 200 `{ status: "ok", connections }` while serving; 503 while draining or without a socket server. */
export function GET() {
  const runtime = findSocketRuntime();
  const connections = runtime?.io.engine.clientsCount ?? 0;
  if (!runtime || getServerPhase() !== 'serving') {
    return Response.json({ status: runtime ? 'draining' : 'unavailable', connections }, { status: 503 });
  }
  return Response.json({ status: 'ok', connections });
}
