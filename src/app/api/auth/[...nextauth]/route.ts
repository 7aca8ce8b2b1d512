import NextAuth from 'next-auth';
import { authOptions } from '@/server/auth';
import { ensureNextOnlyRealtime } from '@/server/event-streams';

const nextAuth = NextAuth(authOptions);

/** Under `next start` with Redis, sign-outs are recorded (and end streams) through the Redis runtime (event-streams.ts). */
async function handler(req: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  await ensureNextOnlyRealtime();
  return nextAuth(req, context);
}

/**
 * next-auth's `_log` endpoint writes whatever a browser posts into the server's log once a
 * custom logger is set: anyone could inject lines without an account. The demo's client does
 * not need it (its client-side logs stay in the browser console).
 */
function post(req: Request, context: { params: Promise<{ nextauth: string[] }> }) {
  if (new URL(req.url).pathname === '/api/auth/_log') return Response.json({ error: 'Not accepted' }, { status: 404 });
  return handler(req, context);
}

export { handler as GET, post as POST };
