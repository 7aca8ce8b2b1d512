/**
 * The gateway's events as a tRPC subscription (server-sent events through `httpSubscriptionLink`),
 * for apps that cannot run a Socket.IO server (`next start`, serverless): an app mounts the
 * procedure body this returns in its own router, behind its own auth.
 *
 * ```ts
 * const events = createEventsSubscription<AppEventPayloads>({ streams, revocations, user: (ctx) => ctx.session?.user });
 * export const socketRouter = router({ events: protectedProcedure.input(parseEventsInput).subscription(events) });
 * ```
 *
 * Each item is `tracked(<epoch>:<position>, { event, data })`, so the browser's EventSource (or
 * the link's own retry) reconnects with `lastEventId` and is replayed exactly what it missed, or
 * sent a `gateway:sync` with `resync: true` (event-stream.ts). A stream the server ends to be
 * resumed (the reader fell behind, tRPC's `sse.maxDurationMs`) ends as an abort: no `return`
 * event, so the client reconnects instead of completing.
 * @see https://trpc.io/docs/server/subscriptions#tracked
 * @see ../sse/event-stream.ts
 */
import { tracked, TRPCError, type TrackedEnvelope } from '@trpc/server';
import type { SyncInfo } from '../event-map';
import { EventStreamClosedError, EventStreamLimitError, type STREAM_SYNC_EVENT, type EventStreams } from '../sse/event-stream';
import type { RevocationStore } from '../stores/types';

/** One item as the client receives it: `{ event, data }`, typed by the app's payload map (name → payload). */
export type StreamEvent<Payloads extends Record<string, unknown>> =
  { [E in keyof Payloads & string]: { event: E; data: Payloads[E] } }[keyof Payloads & string] | { event: typeof STREAM_SYNC_EVENT; data: SyncInfo };

/** The subscription's input: only what tRPC itself puts there on a reconnect. */
export interface EventsInput {
  lastEventId?: string | null;
}

/**
 * Validates the input (hostile: it comes from a browser): an object with at most a string
 * `lastEventId`, or nothing. Usable as a tRPC input parser (`.input(parseEventsInput)`).
 */
export function parseEventsInput(raw: unknown): EventsInput {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new TypeError('input must be an object');
  const { lastEventId, ...rest } = raw as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw new TypeError(`unknown input field ${JSON.stringify(Object.keys(rest)[0])}`);
  if (lastEventId === undefined || lastEventId === null) return {};
  if (typeof lastEventId !== 'string' || lastEventId.length > 200) throw new TypeError('lastEventId must be a string of at most 200 characters');
  return { lastEventId };
}

/** Who is asking: the authenticated user, and when the credential behind the request was issued (epoch ms). */
export interface StreamUser {
  id: string;
  /** A sign-out after this moment ends the stream. Default: the moment the stream opened. */
  issuedAt?: number;
}

export interface EventsSubscriptionOptions<Ctx> {
  streams: EventStreams;
  /** Where sign-outs are recorded (the gateway's revocation store). */
  revocations: Pick<RevocationStore, 'notBefore'>;
  /** The authenticated user of the request's context; nothing: refused with UNAUTHORIZED. */
  user(ctx: Ctx): StreamUser | null | undefined;
  /**
   * End each response after this long (ms), resumably: the client reconnects with its last id and
   * loses nothing. What a serverless platform's request limit needs; the same as tRPC's
   * `sse.maxDurationMs`, but read per call (an app's settings are not known when its router is built).
   * Default: no limit.
   */
  maxDurationMs?: number;
  /**
   * Optional rate limit on opening streams, per user (a token from the app's bucket, as socket
   * handshakes take one): false refuses the stream with TOO_MANY_REQUESTS before anything is read.
   */
  mayOpen?(userId: string): Promise<boolean>;
  /** Optional budget of replays read from the log's store, per user (event-stream.ts `mayReadLog`). */
  mayReadLog?(userId: string): Promise<boolean>;
}

/** An abort ends the SSE response without tRPC's `return` event: the client reconnects with its last id. */
function resumableEnd(message: string): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}

/** The procedure body: `procedure.input(parseEventsInput).subscription(createEventsSubscription(...))`. */
export function createEventsSubscription<Payloads extends Record<string, unknown>, Ctx = unknown>(options: EventsSubscriptionOptions<Ctx>) {
  const { streams, revocations, user: userOf, mayOpen, mayReadLog, maxDurationMs } = options;
  if (maxDurationMs !== undefined && !(maxDurationMs >= 1)) throw new RangeError(`maxDurationMs must be at least 1, got ${maxDurationMs}`);
  return async function* eventsSubscription({
    ctx,
    input,
    signal,
  }: {
    ctx: Ctx;
    input: EventsInput | undefined;
    signal: AbortSignal | undefined;
  }): AsyncGenerator<TrackedEnvelope<StreamEvent<Payloads>>, void, unknown> {
    const user = userOf(ctx);
    if (!user || typeof user.id !== 'string' || user.id.length === 0) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Unauthorized' });
    if (mayOpen && !(await mayOpen(user.id))) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: 'Too many event streams opened: try again later' });
    const issuedAt = user.issuedAt ?? Date.now();
    const revoked = async () => {
      const notBefore = await revocations.notBefore(user.id);
      return notBefore !== undefined && issuedAt <= notBefore;
    };
    const expiry = new AbortController();
    const timer = maxDurationMs === undefined ? undefined : setTimeout(() => expiry.abort(), maxDurationMs);
    let stream;
    try {
      stream = streams.open(user.id, {
        lastEventId: input?.lastEventId,
        revoked,
        ...(mayReadLog ? { mayReadLog: () => mayReadLog(user.id) } : {}),
        signal: signal ? AbortSignal.any([signal, expiry.signal]) : expiry.signal,
      });
    } catch (error) {
      clearTimeout(timer);
      if (error instanceof EventStreamLimitError) throw new TRPCError({ code: 'TOO_MANY_REQUESTS', message: error.message });
      throw error;
    }
    try {
      for await (const item of stream) {
        yield tracked(item.id, { event: item.event, data: item.data } as StreamEvent<Payloads>);
      }
    } catch (error) {
      if (error instanceof EventStreamClosedError) {
        if (error.reason === 'revoked') throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Unauthorized' });
        throw resumableEnd(error.message);
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
    // The stream ended for its duration (not for the client): never tRPC's `return`, which would complete the subscription.
    if (expiry.signal.aborted) throw resumableEnd('The response reached its maximum duration: reconnect with the last event id');
  };
}
