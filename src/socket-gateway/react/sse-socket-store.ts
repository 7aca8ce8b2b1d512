/**
 * createSseSocketStore: the same store the hooks read (socket-store.ts's `SocketStore`), fed by
 * the gateway's events over a tRPC subscription (server-sent events, `httpSubscriptionLink`)
 * instead of a Socket.IO connection: for deployments with no socket server (`next start`,
 * serverless). `useSocketEvent`, `useSocketStatus`, `useRoomPresence`, the resync callback and
 * `onSync` work unchanged: `getSocket()` hands them a small event emitter with the socket's
 * `on` / `off` / `onAny` / `offAny`, which this store feeds from the subscription.
 *
 * Resuming is tRPC's: every item is `tracked()` with its log position, and the link reconnects
 * with `lastEventId` (the server replays what was missed, or says `resync`). The store keeps the
 * last id too, so a subscription it starts again for the same user (a StrictMode remount, a
 * signed-out-and-in tab) resumes as well; another user starts fresh.
 * @see ../trpc/events-subscription.ts
 */
import type { SyncInfo } from '../event-map';
import { type GatewayClientSocket, type SocketStore, type SocketStoreOptions, type SyncNotice } from './socket-store';
import { createStatusSource } from './status-source';

/** One item of the subscription as tRPC's client hands it to `onData` (a `tracked()` envelope). */
export interface SseItem {
  id: string;
  /**
   * `{ event, data }` as the subscription yields it. Typed loosely on purpose: tRPC's inferred
   * output type of a typed subscription (a union over the app's events) must be assignable here.
   */
  data: object;
}

/** What the store needs of the app's tRPC client: `(input, handlers) => trpc.socket.events.subscribe(input, handlers)`. */
export type SseSubscribe = (
  input: { lastEventId?: string },
  handlers: {
    onStarted?: () => void;
    onData: (item: SseItem) => void;
    onError: (error: unknown) => void;
    onConnectionStateChange?: (state: { state: 'idle' | 'connecting' | 'pending'; error: unknown }) => void;
    onComplete?: () => void;
  },
) => { unsubscribe(): void };

export interface SseSocketStoreOptions {
  subscribe: SseSubscribe;
  /** The user who will connect first, if any: the status starts as `connecting`. */
  initialUserId?: string | null;
  /** Called when missed events could not be replayed: refetch what the page shows. */
  onResync?: () => void;
}

const SYNC_EVENT = 'gateway:sync';

type Listener = (...args: unknown[]) => void;

export function createSseSocketStore({ subscribe, initialUserId, onResync }: SseSocketStoreOptions): SocketStore {
  let resyncCallback = onResync;
  const status = createStatusSource(initialUserId);
  const { set } = status;
  const syncListeners = new Set<(sync: SyncNotice) => void>();
  const byEvent = new Map<string, Set<Listener>>();
  const anyListeners = new Set<Listener>();
  let current: { userId: string; unsubscribe(): void } | null = null;
  /** The id of the last item received, and whose it was: a new subscription of the same user resumes from it. */
  let last: { userId: string; id: string } | null = null;
  let connected = false;
  let everConnected = false;
  /** Whether the next sync answers a request that carried a `lastEventId` (a resume). */
  let resuming = false;
  let releaseTimer: ReturnType<typeof setTimeout> | null = null;
  /** The user `start` last asked for (a "Try again" after a refusal subscribes again as them). */
  let wanted: string | null = null;
  let start: (userId: string) => void = () => {};

  const dispatch = (event: string, payload: unknown) => {
    for (const listener of [...anyListeners]) listener(event, payload);
    for (const listener of [...(byEvent.get(event) ?? [])]) listener(payload);
  };

  const onSync = (sync: SyncInfo) => {
    if (sync.resync) {
      set({ resyncedAt: Date.now() });
      resyncCallback?.();
    }
    const notice: SyncNotice = { ...sync, resumed: resuming };
    // Every later (re)connect of this subscription is the link resuming with the last id.
    resuming = true;
    for (const listener of [...syncListeners]) {
      try {
        listener(notice);
      } catch (error) {
        console.error('socket-gateway: a sync listener failed', error);
      }
    }
  };

  /** The socket-shaped emitter the hooks listen on (events only: this transport sends nothing). */
  const facade = {
    get id() {
      return undefined;
    },
    get connected() {
      return connected;
    },
    get active() {
      return current !== null;
    },
    on(event: string, listener: Listener) {
      let set = byEvent.get(event);
      if (!set) byEvent.set(event, (set = new Set()));
      set.add(listener);
      return facade;
    },
    off(event: string, listener: Listener) {
      byEvent.get(event)?.delete(listener);
      return facade;
    },
    onAny(listener: Listener) {
      anyListeners.add(listener);
      return facade;
    },
    offAny(listener: Listener) {
      anyListeners.delete(listener);
      return facade;
    },
    /** Subscribes again after a refusal or an end (the status notice's "Try again"). */
    connect() {
      if (!current && wanted) start(wanted);
      return facade;
    },
    disconnect() {
      stop();
      return facade;
    },
  };

  const end = () => {
    current?.unsubscribe();
    current = null;
    connected = false;
  };

  const stop = () => {
    wanted = null;
    if (releaseTimer !== null) clearTimeout(releaseTimer);
    releaseTimer = null;
    end();
    everConnected = false;
    set({ status: 'disconnected' });
  };

  return {
    getSnapshot: status.getSnapshot,
    getInitialSnapshot: status.getInitialSnapshot,
    subscribe: status.subscribe,
    getSocket: () => facade as unknown as GatewayClientSocket,
    start: (start = (userId) => {
      wanted = userId;
      if (releaseTimer !== null) clearTimeout(releaseTimer);
      releaseTimer = null;
      if (current?.userId === userId) return;
      end();
      everConnected = false;
      set({ status: 'connecting', error: null });
      const lastEventId = last?.userId === userId ? last.id : undefined;
      resuming = lastEventId !== undefined;
      const mine = { userId, unsubscribe: () => {} };
      current = mine;
      const live = () => current === mine;
      const subscription = subscribe(lastEventId ? { lastEventId } : {}, {
        onStarted() {
          if (!live()) return;
          connected = true;
          everConnected = true;
          set({ status: 'connected', error: null });
        },
        onConnectionStateChange({ state, error }) {
          if (!live()) return;
          if (state === 'pending') {
            connected = true;
            everConnected = true;
            set({ status: 'connected', error: null });
          } else if (state === 'connecting') {
            connected = false;
            // A server's answer (a retryable tRPC error: "temporarily unavailable") is worth showing; a dropped connection is not.
            const answer = error instanceof Error && (error as { shape?: unknown }).shape !== undefined ? error.message : null;
            set({ status: everConnected ? 'reconnecting' : 'connecting', error: answer });
          }
        },
        onData(item) {
          if (!live()) return;
          last = { userId, id: item.id };
          const { event, data } = item.data as { event?: unknown; data?: unknown };
          if (typeof event !== 'string') return; // not an envelope of ours: nothing to dispatch
          if (event === SYNC_EVENT) onSync(data as SyncInfo);
          else dispatch(event, data);
        },
        onError(error) {
          if (!live()) return;
          // A refusal (signed out, too many streams): the link gave up; say why, as the socket store does.
          current = null;
          connected = false;
          set({ status: 'disconnected', error: error instanceof Error ? error.message : String(error) });
        },
        onComplete() {
          if (!live()) return;
          current = null;
          connected = false;
          set({ status: 'disconnected' });
        },
      });
      mine.unsubscribe = () => subscription.unsubscribe();
    }),
    stop,
    release() {
      if (releaseTimer !== null) clearTimeout(releaseTimer);
      releaseTimer = setTimeout(stop, 0);
    },
    setTokenFetcher() {
      // No handshake tokens: the subscription rides on the session cookie.
    },
    setOnResync(next) {
      resyncCallback = next;
    },
    getSocketId: () => undefined,
    onSync(listener) {
      syncListeners.add(listener);
      return () => {
        syncListeners.delete(listener);
      };
    },
  };
}

/**
 * `SocketProvider`'s `transport` for the tRPC SSE subscription:
 * `<SocketProvider transport={sseTransport((input, handlers) => trpcClient.socket.events.subscribe(input, handlers))} …>`.
 */
export function sseTransport(subscribe: SseSubscribe): (options: SocketStoreOptions) => SocketStore {
  return ({ initialUserId, onResync }) => createSseSocketStore({ subscribe, initialUserId, onResync });
}
