import { z } from 'zod';
import { getGateway } from '@/socket-gateway';
import { messageTextSchema } from '@/socket-gateway/events';
import { createMessage } from '../message';
import { adminProcedure, createTRPCRouter, emitRateLimit } from '../init';

export const announcementRouter = createTRPCRouter({
  broadcast: adminProcedure
    .input(z.strictObject({ message: messageTextSchema }))
    .use(emitRateLimit)
    .mutation(async ({ ctx, input }) => {
      const announcement = createMessage(ctx.user.id, input.message);
      await getGateway().broadcast('announcement', announcement);
      return announcement;
    }),
});
