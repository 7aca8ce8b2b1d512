import { mintSocketToken } from '@/socket-gateway';
import { createTRPCRouter, protectedProcedure } from '../init';

export const socketRouter = createTRPCRouter({
  /** A short-lived token for the socket handshake (`auth: { token }`). */
  token: protectedProcedure.query(({ ctx }) => mintSocketToken(ctx.user.id)),
});
