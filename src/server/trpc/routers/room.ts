import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { gateway, getSocketRuntime } from '@/socket-gateway';
import { messageTextSchema } from '@/socket-gateway/events';
import { canJoinRoom, roomNameSchema } from '@/socket-gateway/rooms';
import { createMessage } from '../message';
import { createTRPCRouter, protectedProcedure } from '../init';

/** How many rooms one user may be in. */
export const MAX_ROOMS_PER_USER = 50;

const roomInput = z.strictObject({ room: roomNameSchema });

export const roomRouter = createTRPCRouter({
  join: protectedProcedure.input(roomInput).mutation(async ({ ctx, input }) => {
    if (!canJoinRoom(ctx.user, input.room)) {
      throw new TRPCError({ code: 'FORBIDDEN', message: `You may not join ${input.room}` });
    }
    const { membership } = getSocketRuntime();
    const rooms = await membership.roomsOf(ctx.user.id);
    if (!rooms.includes(input.room) && rooms.length >= MAX_ROOMS_PER_USER) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `You can be in at most ${MAX_ROOMS_PER_USER} rooms` });
    }
    // Stored first, then live sockets: a socket connecting meanwhile reads the store after joining user:{id}.
    await membership.join(ctx.user.id, input.room);
    gateway.addUserToRoom(ctx.user.id, input.room);
    return { rooms: await membership.roomsOf(ctx.user.id) };
  }),

  leave: protectedProcedure.input(roomInput).mutation(async ({ ctx, input }) => {
    const { membership } = getSocketRuntime();
    await membership.leave(ctx.user.id, input.room);
    gateway.removeUserFromRoom(ctx.user.id, input.room);
    return { rooms: await membership.roomsOf(ctx.user.id) };
  }),

  mine: protectedProcedure.query(async ({ ctx }) => ({
    rooms: await getSocketRuntime().membership.roomsOf(ctx.user.id),
  })),

  post: protectedProcedure
    .input(z.strictObject({ room: roomNameSchema, message: messageTextSchema }))
    .mutation(({ ctx, input }) => {
      const roomMessage = { ...createMessage(ctx.user.id, input.message), room: input.room };
      gateway.emitToRoom(input.room, 'room:message', roomMessage);
      return roomMessage;
    }),
});
