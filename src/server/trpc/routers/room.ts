import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { RoomAccessError } from 'socket-gateway';
import { roomNameSchema } from '@/server/trpc/room-name';
import { gateway } from '@/server/gateway';
import { messageTextSchema, type RoomMessagePayload } from '@/events';
import { createMessage } from '../message';
import { createTRPCRouter, emitRateLimit, protectedProcedure } from '../init';
import { limitRoomCreation } from '../rate-limit';

const roomInput = z.strictObject({ room: roomNameSchema });
/** Largest page `room.history` answers (the room's bound, ROOM_HISTORY_MAX_MESSAGES, caps it further). */
const MAX_HISTORY_PAGE = 10_000;

/** Room rules are the socket server's `rooms` policy, applied by the gateway; refusals become tRPC errors here. */
async function asTrpcError<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof RoomAccessError) throw new TRPCError({ code: error.code, message: error.message });
    throw error;
  }
}

export const roomRouter = createTRPCRouter({
  /**
   * Opening a room (joining it as its first member) takes a token from the caller's
   * ROOMS_CREATED_PER_HOUR bucket first: refused, nothing changes. (Two users opening the same
   * empty room at once may both be charged, and a join the room rules then refuse still used its
   * token: the check errs towards counting.)
   */
  join: protectedProcedure.input(roomInput).mutation(async ({ ctx, input }) => {
    if ((await gateway.countMembers(input.room)) === 0) await limitRoomCreation(ctx.user.id);
    return asTrpcError(gateway.enterRoom(ctx.user, input.room));
  }),

  leave: protectedProcedure.input(roomInput).mutation(({ ctx, input }) => gateway.exitRoom(ctx.user.id, input.room)),

  mine: protectedProcedure.query(async ({ ctx }) => ({ rooms: await gateway.roomsOf(ctx.user.id) })),

  /**
   * Kept in the room's history, then pushed to every member's tabs except the one that posted
   * (it shows its own post from this answer: "to others").
   */
  post: protectedProcedure
    .input(z.strictObject({ room: roomNameSchema, message: messageTextSchema }))
    .use(emitRateLimit)
    .mutation(async ({ ctx, input }) => {
      const roomMessage = { ...createMessage(ctx.user.id, input.message), room: input.room };
      await asTrpcError(gateway.postToRoom(ctx.user, input.room, 'room:message', roomMessage, { exceptSocketId: ctx.socketId, history: true }));
      return roomMessage;
    }),

  /**
   * The room's latest messages (members only), oldest first: the newest page, or with `before`
   * (a previous answer's `nextBefore`) the page before it. `nextBefore` is null when nothing older is kept.
   */
  history: protectedProcedure
    .input(
      z.strictObject({
        room: roomNameSchema,
        before: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
        limit: z.number().int().min(1).max(MAX_HISTORY_PAGE).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const page = await asTrpcError(gateway.roomHistory(ctx.user, input.room, { before: input.before, limit: input.limit }));
      const messages: RoomMessagePayload[] = page.entries.flatMap((entry) => (entry.event === 'room:message' ? [entry.data] : []));
      return { messages, nextBefore: page.hasMore && page.entries[0] ? page.entries[0].seq : null };
    }),
});
