/**
 * A real tRPC HTTP server (the standalone Node adapter, port 0) serving the gateway's events as a
 * subscription (server-sent events), and real tRPC clients over `httpSubscriptionLink` with the
 * fetch EventSource of event-source.ts. The user is whoever the `x-user` header names, and the
 * credential was issued at `x-issued-at` (a test stand-in for the app's session cookie).
 */
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { initTRPC } from '@trpc/server';
import { createHTTPServer } from '@trpc/server/adapters/standalone';
import type { EventLog, GatewayStores } from 'socket-gateway/advanced';
import type { EventPayload } from 'socket-gateway';
import type { ClientEvents } from 'socket-gateway/advanced';
import type { AppEvents } from '@/events';
import { createEventStreams, type EventStreams, type EventStreamsOptions } from 'socket-gateway/trpc';
import { createEventsSubscription, parseEventsInput, type StreamEvent } from 'socket-gateway/trpc';
import { FetchEventSource } from './event-source';

export type Payloads = { [E in keyof ClientEvents<AppEvents>]: EventPayload<ClientEvents<AppEvents>, E> };
export type Received = { id: string; data: StreamEvent<Payloads> };

interface Ctx {
  userId: string | undefined;
  issuedAt: number | undefined;
}

export interface SseServerOptions extends Partial<Omit<EventStreamsOptions, 'log' | 'membership'>> {
  log: EventLog;
  stores: Pick<GatewayStores, 'membership' | 'revocations'>;
  /** tRPC's `sse.maxDurationMs`: every response ends after this long, and the client resumes. */
  maxDurationMs?: number;
  /** The same, by the helper's own `maxDurationMs` option. */
  helperMaxDurationMs?: number;
  /** The helper's per-user rate limit on opening streams. */
  mayOpen?: (userId: string) => Promise<boolean>;
}

function buildRouter(
  streams: EventStreams,
  stores: SseServerOptions['stores'],
  maxDurationMs: number | undefined,
  helperMaxDurationMs?: number,
  mayOpen?: (userId: string) => Promise<boolean>,
) {
  const t = initTRPC.context<Ctx>().create({ sse: { ...(maxDurationMs ? { maxDurationMs } : {}) } });
  const events = createEventsSubscription<Payloads, Ctx>({
    streams,
    revocations: stores.revocations,
    ...(helperMaxDurationMs ? { maxDurationMs: helperMaxDurationMs } : {}),
    ...(mayOpen ? { mayOpen } : {}),
    user: (ctx) => (ctx.userId ? { id: ctx.userId, ...(ctx.issuedAt ? { issuedAt: ctx.issuedAt } : {}) } : null),
  });
  return t.router({ events: t.procedure.input(parseEventsInput).subscription(events) });
}

export type SseRouter = ReturnType<typeof buildRouter>;

export interface SseServer {
  url: string;
  streams: EventStreams;
  /** Every EventSource the clients opened, in order. */
  sources: FetchEventSource[];
  subscribe(userId: string, options?: { issuedAt?: number; lastEventId?: string }): SseSubscription;
  /** A tRPC client signed in as `userId` (the browser store's `subscribe` calls its `events.subscribe`), and the EventSources it opens. */
  client(userId: string, options?: { issuedAt?: number }): { client: ReturnType<typeof createTRPCClient<SseRouter>>; sources: FetchEventSource[] };
  stop(): Promise<void>;
}

export interface SseSubscription {
  received: Received[];
  errors: Error[];
  source(): FetchEventSource;
  /** Events only (no `gateway:sync`), as `event:detail`. */
  events(): Received[];
  syncs(): Received[];
  unsubscribe(): void;
}

export async function startSseServer(options: SseServerOptions): Promise<SseServer> {
  const { log, stores, maxDurationMs, helperMaxDurationMs, mayOpen, ...streamOptions } = options;
  const streams = createEventStreams({ log, membership: stores.membership, ...streamOptions });
  const router = buildRouter(streams, stores, maxDurationMs, helperMaxDurationMs, mayOpen);
  const http = createHTTPServer({
    router,
    createContext: ({ req }) => {
      const user = req.headers['x-user'];
      const issuedAt = Number(req.headers['x-issued-at']);
      return { userId: typeof user === 'string' ? user : undefined, issuedAt: Number.isFinite(issuedAt) && issuedAt > 0 ? issuedAt : undefined };
    },
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const sources: FetchEventSource[] = [];
  const subscriptions: SseSubscription[] = [];

  const server: SseServer = {
    url,
    streams,
    sources,
    client(userId, { issuedAt = Date.now() } = {}) {
      const mine: FetchEventSource[] = [];
      class TrackedSource extends FetchEventSource {
        constructor(target: string, init?: ConstructorParameters<typeof FetchEventSource>[1]) {
          super(target, init);
          sources.push(this);
          mine.push(this);
        }
      }
      const client = createTRPCClient<SseRouter>({
        links: [
          httpSubscriptionLink({
            url,
            EventSource: TrackedSource,
            eventSourceOptions: () => ({ headers: { 'x-user': userId, 'x-issued-at': String(issuedAt) } }),
          }),
        ],
      });
      return { client, sources: mine };
    },
    subscribe(userId, { issuedAt = Date.now(), lastEventId } = {}) {
      const { client, sources: mine } = server.client(userId, { issuedAt });
      const received: Received[] = [];
      const errors: Error[] = [];
      const subscription = client.events.subscribe(lastEventId ? { lastEventId } : {}, {
        onData: (item) => void received.push(item as Received),
        onError: (error) => void errors.push(error),
      });
      const handle: SseSubscription = {
        received,
        errors,
        source: () => mine.at(-1)!,
        events: () => received.filter((item) => item.data.event !== 'gateway:sync'),
        syncs: () => received.filter((item) => item.data.event === 'gateway:sync'),
        unsubscribe: () => subscription.unsubscribe(),
      };
      subscriptions.push(handle);
      return handle;
    },
    async stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      for (const source of sources) source.close();
      await streams.close();
      http.closeAllConnections?.();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  return server;
}

/** Waits until `check` holds (polls every 10 ms), or fails after `timeoutMs` naming `what`. */
export async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
