import { z } from 'zod';
import { gateway } from '@/server/gateway';
import { messageTextSchema } from '@/events';
import { createMessage } from '../message';
import { adminProcedure, createTRPCRouter, emitRateLimit } from '../init';

export const announcementRouter = createTRPCRouter({
  broadcast: adminProcedure
    .input(z.strictObject({ message: messageTextSchema }))
    .use(emitRateLimit)
    .mutation(async ({ ctx, input }) => {
      const announcement = createMessage(ctx.user.id, input.message);
      await gateway.broadcast('announcement', announcement);
      return announcement;
    }),
});
