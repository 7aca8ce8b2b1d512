import { getEnv } from '@/env';
import { mintSocketToken, socketTokenKey } from 'socket-gateway/advanced';
import { socketTokenSecret } from '@/server/socket-secret';
import { createTRPCRouter, protectedProcedure } from '../init';

export const socketRouter = createTRPCRouter({
  /** A short-lived token for the socket handshake (`auth: { token }`), signed with the secret the gateway checks (src/server/realtime.ts). */
  token: protectedProcedure.query(({ ctx }) => {
    const env = getEnv();
    return mintSocketToken(ctx.user.id, { key: socketTokenKey(socketTokenSecret(env)), ttlSeconds: env.socketToken.ttlSeconds });
  }),
});
