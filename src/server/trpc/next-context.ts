/**
 * The tRPC context of a call through Next's route (src/app/api/trpc, served under `next start`
 * and in development): the session from Next's `cookies()`, the socket id from the request.
 */
import { socketIdFromRequest } from 'socket-gateway/trpc';
import { getServerAuthSession } from '../auth';
import type { TRPCContext } from './init';

export async function createTRPCContext(opts?: { req?: Request }): Promise<TRPCContext> {
  const socketId = socketIdFromRequest(opts?.req);
  return { session: await getServerAuthSession(), ...(socketId ? { socketId } : {}) };
}
