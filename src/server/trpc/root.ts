import { announcementRouter } from './routers/announcement';
import { metricsRouter } from './routers/metrics';
import { notificationRouter } from './routers/notification';
import { presenceRouter } from './routers/presence';
import { roomRouter } from './routers/room';
import { socketRouter } from './routers/socket';
import { createCallerFactory, createTRPCRouter } from './init';

export const appRouter = createTRPCRouter({
  socket: socketRouter,
  notification: notificationRouter,
  room: roomRouter,
  announcement: announcementRouter,
  presence: presenceRouter,
  metrics: metricsRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
