import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { gateway, roomNameSchema } from '@/socket-gateway';
import { createTRPCRouter, protectedProcedure } from '../init';

/** Largest room whose members one call reports (bounded work and response size). */
const MAX_MEMBERS_REPORTED = 200;

export const presenceRouter = createTRPCRouter({
  /** Who of a room's members is online now (members only): the first render; `presence:changed` keeps it live. */
  room: protectedProcedure.input(z.strictObject({ room: roomNameSchema })).query(async ({ ctx, input }) => {
    if (!(await gateway.isMember(ctx.user.id, input.room))) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `Join ${input.room} to see who is in it` });
    }
    const members = (await gateway.membersOf(input.room)).slice(0, MAX_MEMBERS_REPORTED);
    const online = await gateway.areOnline(members);
    return { members: members.map((userId, i) => ({ userId, online: online[i] === true })) };
  }),

  /** Whether one user has a socket open anywhere right now. */
  user: protectedProcedure.input(z.strictObject({ userId: z.string().min(1).max(512) })).query(async ({ input }) => ({
    userId: input.userId,
    online: await gateway.isOnline(input.userId),
  })),
});
