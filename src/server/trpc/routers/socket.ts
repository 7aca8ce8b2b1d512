import { mintSocketToken } from '@/socket-gateway';
import type { EventPayload, ServerEventName } from '@/socket-gateway/events';
import { createEventsSubscription, parseEventsInput, type EventsInput } from '@/socket-gateway/trpc';
import { getEnv } from '@/env';
import { getEventStreams } from '../../event-streams';
import { createTRPCRouter, protectedProcedure } from '../init';

/** The app's events by name, as the subscription types them. */
/** The socket path's default budget of replays read from the log's store (socket-server.ts DEFAULT_REPLAY_LOG_READS). */
const REPLAY_LOG_READS = { ratePerSecond: 1 / 10, burst: 5 };

export type AppEventPayloads = { [E in ServerEventName]: EventPayload<E> };

export const socketRouter = createTRPCRouter({
  /** A short-lived token for the socket handshake (`auth: { token }`). */
  token: protectedProcedure.query(({ ctx }) => mintSocketToken(ctx.user.id)),
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
      mayReadLog: (userId) => stores.rateLimits.take(`replay-log:${userId}`, REPLAY_LOG_READS).then((taken) => taken.ok),
      // The session's sign-in moment: a sign-out after it (any tab, any node) ends the stream.
      user: ({ user, session }) => ({ id: user.id, issuedAt: session?.signedInAt || undefined }),
    });
    yield* subscription({ ctx, input: input as EventsInput, signal });
  }),
});
