/**
 * tRPC setup: the context's shape (built from the next-auth session by next-context.ts for Next's
 * route, node-context.ts for server.ts's Node handler), and the three procedure kinds.
 * @see https://trpc.io/docs/server/procedures
 */
import { randomUUID } from 'node:crypto';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Session } from 'next-auth';
import { ZodError, z } from 'zod';
import { runWithRequestContext } from 'socket-gateway/advanced';
import { TEMPORARILY_UNAVAILABLE } from 'socket-gateway';
import { ownSocketId, rateLimitMiddleware, retryAfterMsOf } from 'socket-gateway/trpc';
import { lookupLimit, senderLimit } from './rate-limit';

export interface TRPCContext {
  session: Session | null;
  /**
   * The calling tab's socket id (header `x-socket-id`, sent by the tRPC client link), when it has
   * a connected socket: pass it as `exceptSocketId` to emit "to others". Undefined when absent or malformed.
   * Here it is only the caller's claim: `protectedProcedure` keeps it for mutations only when it
   * names one of the caller's own sockets (`ownSocketId`), and drops it otherwise.
   */
  socketId?: string;
}

const t = initTRPC.context<TRPCContext>().create({
  // Input errors: a readable message ("message: Message must not be empty") instead of
  // zod's JSON list of issues, plus the flattened issues for forms.
  errorFormatter({ shape, error }) {
    // Anything that was not a deliberate refusal (a store that cannot answer: node-redis's "The
    // client is offline", SQLite's errors, a bug) is answered with our own words, never the cause's
    // text, which names internals; the route logs the cause (attacks-3, Info).
    if (error.code === 'INTERNAL_SERVER_ERROR') {
      const { stack: _stack, ...data } = shape.data; // (development only; it names the cause too)
      return { ...shape, message: TEMPORARILY_UNAVAILABLE, data: { ...data, zodError: null } };
    }
    const retryAfterMs = retryAfterMsOf(error);
    if (retryAfterMs !== undefined) return { ...shape, data: { ...shape.data, zodError: null, retryAfterMs } };
    if (!(error.cause instanceof ZodError)) return { ...shape, data: { ...shape.data, zodError: null } };
    const message = error.cause.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
    return { ...shape, message, data: { ...shape.data, zodError: z.flattenError(error.cause) } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Tracing hook: every call runs with a request id, which the emits it causes log (request-context.ts). */
const traced = t.procedure.use(({ path, next }) => runWithRequestContext({ requestId: randomUUID(), path }, () => next()));

export const publicProcedure = traced;

export const protectedProcedure = traced.use(async ({ ctx, next, type }) => {
  const user = ctx.session?.user;
  if (!user?.id) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  // Another user's socket id would keep THEIR tab from an event (attacks-3 F11): ignored, not an
  // error. Checked for mutations only (queries emit nothing), and only when the header came.
  const socketId = type === 'mutation' ? await ownSocketId(user.id, ctx.socketId) : undefined;
  return next({ ctx: { user, socketId } });
});

export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins only' });
  return next();
});

/**
 * For procedures that push events, placed after `.input()` so that only well-formed calls
 * count: one token per call from the sender's bucket (EMIT_RATE_PER_SECOND / EMIT_RATE_BURST).
 * A call refused later (a non-member's room.post) still counts, like any attempt.
 */
export const emitRateLimit = rateLimitMiddleware(senderLimit, (ctx: TRPCContext) => ctx.session?.user?.id);

/** For lookups of other users' state (`presence.user`), after `.input()`: one token per call from the caller's lookup bucket (PRESENCE_LOOKUP_RATE_PER_SECOND / _BURST). */
export const lookupRateLimit = rateLimitMiddleware(lookupLimit, (ctx: TRPCContext) => ctx.session?.user?.id);
