/**
 * tRPC setup: context from the next-auth session, and the three procedure kinds.
 * @see https://trpc.io/docs/server/procedures
 */
import { initTRPC, TRPCError } from '@trpc/server';
import type { Session } from 'next-auth';
import { ZodError, z } from 'zod';
import { getServerAuthSession } from '../auth';

export interface TRPCContext {
  session: Session | null;
}

export async function createTRPCContext(): Promise<TRPCContext> {
  return { session: await getServerAuthSession() };
}

const t = initTRPC.context<TRPCContext>().create({
  errorFormatter({ shape, error }) {
    const zodError = error.cause instanceof ZodError ? z.flattenError(error.cause) : null;
    return { ...shape, data: { ...shape.data, zodError } };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure;

export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  const user = ctx.session?.user;
  if (!user?.id) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in first' });
  return next({ ctx: { user } });
});

export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Admins only' });
  return next();
});
