/**
 * The tRPC context of a call server.ts answers itself (socket-gateway/trpc's Node handler), the
 * same as next-context.ts's: there is no Next request scope there (`cookies()` would throw), so
 * the session comes from the request's own `Cookie` header, read and checked for revocation the
 * same way (auth-session.ts, which imports nothing server.ts cannot load).
 */
import type { IncomingMessage } from 'node:http';
import { socketIdFromRequest } from 'socket-gateway/trpc';
import { sessionFromCookieHeader } from '../auth-session';
import type { TRPCContext } from './init';

export async function createNodeTRPCContext({ req }: { req: IncomingMessage }): Promise<TRPCContext> {
  const socketId = socketIdFromRequest(req);
  return { session: await sessionFromCookieHeader(req.headers.cookie), ...(socketId ? { socketId } : {}) };
}
