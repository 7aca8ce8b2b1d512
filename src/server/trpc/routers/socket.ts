import { mintSocketToken } from '@/socket-gateway';
import type { EventPayload, ServerEventName } from '@/socket-gateway/events';
import { createEventsSubscription, parseEventsInput, type EventsInput } from '@/socket-gateway/trpc';
import { getEnv } from '@/env';
import { getEventStreams } from '../../event-streams';
import { createTRPCRouter, protectedProcedure } from '../init';

/** The app's events by name, as the subscription types them. */
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
      // The session's sign-in moment: a sign-out after it (any tab, any node) ends the stream.
      user: ({ user, session }) => ({ id: user.id, issuedAt: session?.signedInAt || undefined }),
    });
    yield* subscription({ ctx, input: input as EventsInput, signal });
  }),
});
