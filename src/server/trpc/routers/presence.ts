import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { roomNameSchema } from '@/server/trpc/room-name';
import { gateway } from '@/server/gateway';
import { createTRPCRouter, lookupRateLimit, protectedProcedure } from '../init';

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

  /**
   * Whether one user has a socket open anywhere right now: only for yourself or a user you share a
   * room with, rate-limited per caller (attacks-3 F9). Anyone else is FORBIDDEN with the same
   * message whether or not that user exists, so the answer tells nothing about the id.
   */
  user: protectedProcedure
    .input(z.strictObject({ userId: z.string().min(1).max(512) }))
    .use(lookupRateLimit)
    .query(async ({ ctx, input }) => {
      if (input.userId !== ctx.user.id && !(await shareARoom(ctx.user.id, input.userId))) {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'Share a room with this user to see whether they are online' });
      }
      return { userId: input.userId, online: await gateway.isOnline(input.userId) };
    }),
});

/** Whether the two users are members of at least one common room (membership is stored per user, sorted). */
async function shareARoom(a: string, b: string): Promise<boolean> {
  const [roomsOfA, roomsOfB] = await Promise.all([gateway.roomsOf(a), gateway.roomsOf(b)]);
  const ofB = new Set(roomsOfB);
  return roomsOfA.some((room) => ofB.has(room));
}
