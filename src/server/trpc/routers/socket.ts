import { getEnv } from '@/env';
import type { AppEvents } from '@/events';
import { mintSocketToken, DEFAULT_REPLAY_LOG_READS, type ClientEvents } from 'socket-gateway/advanced';
import type { EventPayload } from 'socket-gateway';
import { createEventsSubscription, parseEventsInput, type EventsInput } from 'socket-gateway/trpc';
import { socketTokenKeyFor } from '@/server/socket-secret';
import { getEventStreams } from '@/server/event-streams';
import { createTRPCRouter, protectedProcedure } from '../init';

/** The events a tab receives by name (the app's and the library's), as the subscription types them. */
export type AppEventPayloads = { [E in keyof ClientEvents<AppEvents>]: EventPayload<ClientEvents<AppEvents>, E> };

export const socketRouter = createTRPCRouter({
  /** A short-lived token for the socket handshake (`auth: { token }`), signed with the secret the gateway checks (src/server/realtime.ts). */
  token: protectedProcedure.query(({ ctx }) => {
    const env = getEnv();
    return mintSocketToken(ctx.user.id, { key: socketTokenKeyFor(env), ttlSeconds: env.socketToken.ttlSeconds });
  }),
  /**
   * The same events over server-sent events (`httpSubscriptionLink`), for deployments with no
   * socket server: every event for the signed-in user, their rooms and everyone, each tracked with
   * its log position, replayed from `lastEventId` on a reconnect (src/server/event-streams.ts).
   * A sign-out ends it; each response ends after SSE_MAX_DURATION_MS and the client resumes.
   */
  events: protectedProcedure.input(parseEventsInput).subscription(async function* ({ ctx, input, signal }) {
    const { streams, stores } = await getEventStreams();
    const subscription = createEventsSubscription<AppEventPayloads, typeof ctx>({
      streams,
      revocations: stores.revocations,
      maxDurationMs: getEnv().sse.maxDurationMs,
      // Opening a stream costs what a socket handshake does (a revocation read, the rooms, a replay): the same per-user bucket.
      mayOpen: (userId) => stores.rateLimits.take(`sse-open:${userId}`, getEnv().rateLimits.handshake).then((taken) => taken.ok),
      // Replays read from the log's store (older than the in-memory window): the socket path's budget.
      mayReadLog: (userId) => stores.rateLimits.take(`replay-log:${userId}`, DEFAULT_REPLAY_LOG_READS).then((taken) => taken.ok),
      // The session's sign-in moment: a sign-out after it (any tab, any node) ends the stream.
      user: ({ user, session }) => ({ id: user.id, issuedAt: session?.signedInAt || undefined }),
    });
    yield* subscription({ ctx, input: input as EventsInput, signal });
  }),
});
