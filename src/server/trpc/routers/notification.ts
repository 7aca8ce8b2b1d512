import { z } from 'zod';
import { getGateway } from '@/socket-gateway';
import { messageTextSchema } from '@/socket-gateway/events';
import { createMessage } from '../message';
import { createTRPCRouter, emitRateLimit, protectedProcedure } from '../init';
import { limitRecipient } from '../rate-limit';

export const notificationRouter = createTRPCRouter({
  send: protectedProcedure
    .input(z.strictObject({ toUserId: z.string().min(1).max(512), message: messageTextSchema }))
    .use(emitRateLimit)
    .mutation(async ({ ctx, input }) => {
      await limitRecipient(input.toUserId);
      const notification = createMessage(ctx.user.id, input.message);
      await getGateway().emitToUser(input.toUserId, 'notification', notification);
      return notification;
    }),
});
