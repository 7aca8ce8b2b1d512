import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { getEnv } from '@/env';
import { getLogger } from '@/socket-gateway';
import { ensureNextOnlyRealtime } from '@/server/event-streams';
import { createTRPCContext } from '@/server/trpc/init';
import { appRouter } from '@/server/trpc/root';

/** JSON-RPC error codes tRPC uses for these HTTP statuses. */
const REFUSALS = {
  FORBIDDEN: { status: 403, jsonRpc: -32003 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, jsonRpc: -32015 },
} as const;

function refuse(code: keyof typeof REFUSALS, message: string, path: string): Response {
  const { status, jsonRpc } = REFUSALS[code];
  return Response.json({ error: { message, code: jsonRpc, data: { code, httpStatus: status, path } } }, { status, headers: { 'cache-control': 'no-store' } });
}

/**
 * CSRF: procedures run on the session cookie, which a browser sends along from any site. A
 * POST must therefore come from the app's own origin (a browser always says which in
 * `Origin`; clients that are not browsers send none) and be JSON: a cross-site form can only
 * send urlencoded, multipart or text/plain bodies without a CORS preflight, and tRPC would
 * otherwise parse multipart and octet-stream bodies itself. Refused before tRPC reads
 * anything, so a refused call runs no procedure.
 */
function refusal(req: Request, path: string): Response | null {
  if (req.method !== 'POST') return null;
  const origin = req.headers.get('origin');
  // The app's own origin, or one the operator listed as the app's (SOCKET_ALLOWED_ORIGINS: every public origin of a cluster).
  const { appOrigin, socket } = getEnv();
  if (origin !== null && origin !== appOrigin && !socket.allowedOrigins.includes(origin)) return refuse('FORBIDDEN', 'Cross-site request refused', path);
  const type = req.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (type !== 'application/json') return refuse('UNSUPPORTED_MEDIA_TYPE', 'Send JSON (Content-Type: application/json)', path);
  return null;
}

function procedurePath(req: Request): string {
  const raw = new URL(req.url).pathname.replace(/^\/api\/trpc\/?/, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

async function handler(req: Request) {
  const path = procedurePath(req);
  // Under `next start` with Redis (no server.ts): the gateway runs on Redis in this process (event-streams.ts).
  await ensureNextOnlyRealtime();
  return (
    refusal(req, path) ??
    fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: createTRPCContext,
      // A batch is refused whole (400) past this size; the browser client batches no more (src/trpc/react.tsx).
      maxBatchSize: getEnv().trpc.maxBatchSize,
      // Answers carry per-user data (socket tokens): never stored by a browser or a proxy.
      responseMeta: () => ({ headers: { 'cache-control': 'no-store' } }),
      onError({ error, path: failed }) {
        // One line, the message only (no stack, no input: it may hold what users typed).
        if (error.code === 'INTERNAL_SERVER_ERROR')
          getLogger().error({ event: 'trpc_error', procedure: failed ?? '?', error: error.message }, `tRPC ${failed ?? '?'} failed: ${error.message}`);
      },
    })
  );
}

export { handler as GET, handler as POST };
