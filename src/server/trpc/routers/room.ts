import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { gateway, RoomAccessError, roomNameSchema } from '@/socket-gateway';
import { messageTextSchema } from '@/socket-gateway/events';
import { createMessage } from '../message';
import { createTRPCRouter, emitRateLimit, protectedProcedure } from '../init';

const roomInput = z.strictObject({ room: roomNameSchema });

/** Room rules live in the gateway (`canJoinRoom`, `canPostToRoom`); refusals become tRPC errors here. */
async function asTrpcError<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof RoomAccessError) throw new TRPCError({ code: error.code, message: error.message });
    throw error;
  }
}

export const roomRouter = createTRPCRouter({
  join: protectedProcedure.input(roomInput).mutation(({ ctx, input }) => asTrpcError(gateway.enterRoom(ctx.user, input.room))),

  leave: protectedProcedure.input(roomInput).mutation(({ ctx, input }) => gateway.exitRoom(ctx.user.id, input.room)),

  mine: protectedProcedure.query(async ({ ctx }) => ({ rooms: await gateway.roomsOf(ctx.user.id) })),

  post: protectedProcedure
    .input(z.strictObject({ room: roomNameSchema, message: messageTextSchema }))
    .use(emitRateLimit)
    .mutation(async ({ ctx, input }) => {
      const roomMessage = { ...createMessage(ctx.user.id, input.message), room: input.room };
      await asTrpcError(gateway.postToRoom(ctx.user, input.room, 'room:message', roomMessage));
      return roomMessage;
    }),
});
