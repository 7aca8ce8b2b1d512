/**
 * createSocketStore: the browser's one Socket.IO connection and its status, outside React.
 *
 * The socket object is made lazily (only in the browser, only when an effect asks for it)
 * and lives as long as the store: listeners added with `socket.on` survive reconnects and
 * user switches. The handshake `auth` option is a function, so every connect and reconnect
 * fetches a fresh token; an expired token never blocks a reconnect.
 */
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { SYNC_EVENT, type ClientToServerEvents, type EventMap, type ServerToClientEvents, type SyncInfo } from '../event-map';
import { createStatusSource } from './status-source';

/** The tab's socket, typed by the app's events (and the library's); loosely by default. */
export type GatewayClientSocket<E extends EventMap = EventMap> = Socket<ServerToClientEvents<E>, ClientToServerEvents>;

export type SocketStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface SocketStatusSnapshot {
  status: SocketStatus;
  /** The last connection error (for example `Unauthorized`), cleared once connected. */
  error: string | null;
  /**
   * When the server last said that events were missed and could not be replayed (epoch ms),
   * or null: what the page shows may be stale, refetch it (SocketProvider's `onResync`).
   */
  resyncedAt: number | null;
}

/**
 * "To others": the HTTP header in which the tab sends its socket id with its calls. From
 * event-map.ts, which has no schema library in it (zod in the browser bundle probes `new Function`
 * when it builds its schemas: a CSP violation report).
 */
export { SOCKET_ID_HEADER } from '../event-map';

/** Returns a handshake token for the signed-in user (the tRPC query `socket.token`). */
export type SocketTokenFetcher = () => Promise<string | { token: string }>;

export type SocketClientOptions = Partial<ManagerOptions & SocketOptions>;

export interface SocketStoreOptions {
  getToken: SocketTokenFetcher;
  /** The user who will connect first, if any: the status starts as `connecting` instead of `disconnected`. */
  initialUserId?: string | null;
  /** Server URL; default: the page's own origin. */
  url?: string;
  /** Extra socket.io-client options (override the defaults below). */
  options?: SocketClientOptions;
  /** Called when missed events could not be replayed: refetch what the page shows. */
  onResync?: () => void;
}

/** What the server said after a (re)connect, and whether this connection continued from where the tab stood. */
export interface SyncNotice extends SyncInfo {
  /**
   * True when the handshake carried the tab's place in the event log (a reconnect): everything
   * missed was replayed, unless `resync`. False on the tab's first connection: data fetched
   * before it may have missed an event sent just before the socket joined its rooms.
   */
  resumed: boolean;
}

/** Whether what a page fetched before this (re)connect may be stale: refetch the live queries. */
export function isStaleAfter(sync: SyncNotice): boolean {
  return sync.resync || !sync.resumed;
}

/** The tab's connection, outside React; `E` types its socket (loosely by default). */
export interface SocketStore<E extends EventMap = EventMap> {
  getSnapshot(): SocketStatusSnapshot;
  /** The status before anything ran: what server rendering and hydration show. */
  getInitialSnapshot(): SocketStatusSnapshot;
  subscribe(onChange: () => void): () => void;
  /** The socket (created on first call, without connecting). Browser only. */
  getSocket(): GatewayClientSocket<E>;
  /** Connects as `userId`; reconnects with a fresh token when the user changed. Cancels a pending `release`. */
  start(userId: string): void;
  /** Disconnects now (sign-out). */
  stop(): void;
  /** Disconnects soon unless `start` is called first (a React StrictMode remount calls it at once). */
  release(): void;
  /** Swaps the token fetcher without reconnecting. */
  setTokenFetcher(getToken: SocketTokenFetcher): void;
  /** Swaps the resync callback. */
  setOnResync(onResync: (() => void) | undefined): void;
  /**
   * The id of the connected socket, or undefined while there is none (not created, connecting,
   * disconnected). Sent with tRPC calls so the server can emit "to others".
   */
  getSocketId(): string | undefined;
  /** Calls `listener` after every (re)connect's `gateway:sync`; returns the unsubscribe. */
  onSync(listener: (sync: SyncNotice) => void): () => void;
}

/**
 * WebSocket first; if it cannot open (a proxy that blocks upgrades), the same attempt falls
 * back to HTTP long-polling.
 */
export const DEFAULT_SOCKET_OPTIONS: SocketClientOptions = {
  path: '/socket.io',
  transports: ['websocket', 'polling'],
  tryAllTransports: true,
  autoConnect: false,
  // Each store owns its connection: two providers (or tests) never share one Manager.
  forceNew: true,
  // Jittered reconnects (0.1–1.9 s, then up to 10 s): thousands of tabs whose node died do
  // not all arrive at the next node in the same instant.
  reconnectionDelay: 1_000,
  reconnectionDelayMax: 10_000,
  randomizationFactor: 0.9,
};

/** Token fetch retries: backoff from 500 ms up to 10 s, with full jitter. */
const TOKEN_RETRY_BASE_MS = 500;
const TOKEN_RETRY_MAX_MS = 10_000;

/** The server's answer "you are not signed in" (tRPC UNAUTHORIZED, HTTP 401): retrying will not help. */
function isSignedOutError(error: unknown): boolean {
  const e = error as { data?: { code?: unknown; httpStatus?: unknown }; shape?: { data?: { code?: unknown } }; status?: unknown } | null;
  return e?.data?.code === 'UNAUTHORIZED' || e?.shape?.data?.code === 'UNAUTHORIZED' || e?.data?.httpStatus === 401 || e?.status === 401;
}

const POSITION = /^\d{1,20}-\d{1,20}$/;

export { DISCONNECTED } from './status-source';

export function createSocketStore<E extends EventMap = EventMap>({ getToken, initialUserId, url, options, onResync }: SocketStoreOptions): SocketStore<E> {
  let fetchToken = getToken;
  let resyncCallback = onResync;
  /** Where this tab stands in the server's event log: sent back on reconnect to be replayed what it missed. */
  let cursor: { epoch: string; position: string; socketId?: string } | null = null;
  let socket: GatewayClientSocket | null = null;
  const status = createStatusSource(initialUserId);
  const { set } = status;
  let currentUser: string | null = null;
  /** Bumped on every start/stop, so a token that arrives late for an old attempt is dropped. */
  let generation = 0;
  /** Bumped on every handshake's `auth` call: only the newest one's token is sent. */
  let handshakes = 0;
  let everConnected = false;
  /** Why the last token fetch failed; shown instead of the server's bare `Unauthorized`. */
  let tokenError: string | null = null;
  let releaseTimer: ReturnType<typeof setTimeout> | null = null;
  const syncListeners = new Set<(sync: SyncNotice) => void>();
  /** Whether the last handshake sent a resume cursor. */
  let handshakeResumed = false;

  /**
   * The handshake's `auth`: a fresh token (retried with backoff and jitter while the fetch
   * fails for any reason but "signed out", so a server restart answering 503 does not leave
   * the tab disconnected for good) and where this tab stopped in the event log.
   */
  const auth = (send: (data: object) => void) => {
    const attempt = generation;
    // socket.io-client calls this once per opened connection and sends whatever it is given on
    // the connection open at that moment. An answer for a connection that has dropped since
    // must not be sent: two handshakes on one connection are two server sockets (every event twice).
    const handshake = (handshakes += 1);
    const stale = () => attempt !== generation || handshake !== handshakes;
    const tryFetch = (failures: number) => {
      fetchToken().then(
        (result) => {
          if (stale()) return;
          tokenError = null;
          handshakeResumed = cursor !== null;
          // `replay: true`: this client speaks the replay protocol (positions, gateway:sync; docs/replay-protocol.md).
          send({ token: typeof result === 'string' ? result : result.token, replay: true, ...(cursor ? { resume: cursor } : {}) });
        },
        (error: unknown) => {
          if (stale()) return;
          const reason = error instanceof Error ? error.message : String(error);
          if (isSignedOutError(error)) {
            // Definitive: the server refuses the handshake and the status shows why.
            tokenError = `Could not get a socket token: ${reason}`;
            send({});
            return;
          }
          tokenError = null;
          set({ status: everConnected ? 'reconnecting' : 'connecting', error: `Could not get a socket token, retrying: ${reason}` });
          const delay = Math.random() * Math.min(TOKEN_RETRY_MAX_MS, TOKEN_RETRY_BASE_MS * 2 ** failures);
          setTimeout(() => stale() || tryFetch(failures + 1), delay);
        },
      );
    };
    tryFetch(0);
  };

  const create = (): GatewayClientSocket => {
    const settings: SocketClientOptions = { ...DEFAULT_SOCKET_OPTIONS, ...options, auth };
    // No URL: socket.io-client connects to the page's own origin.
    const created: GatewayClientSocket = url === undefined ? io(settings) : io(url, settings);
    created.on('connect', () => {
      everConnected = true;
      set({ status: 'connected', error: null });
    });
    // Every event carries its log position as a last extra argument (the handshake opted in); remember the newest.
    created.onAny((_event: string, ...args: unknown[]) => {
      const position = args.at(-1);
      if (cursor && typeof position === 'string' && POSITION.test(position)) cursor = { ...cursor, position };
    });
    (created as unknown as { on(event: typeof SYNC_EVENT, listener: (sync: SyncInfo) => void): void }).on(SYNC_EVENT, (sync) => {
      cursor = { epoch: sync.epoch, position: sync.position, ...(created.id ? { socketId: created.id } : {}) };
      if (sync.resync) {
        set({ resyncedAt: Date.now() });
        resyncCallback?.();
      }
      const notice: SyncNotice = { ...sync, resumed: handshakeResumed };
      for (const listener of [...syncListeners]) {
        try {
          listener(notice);
        } catch (error) {
          // One failing listener must not keep the others (or the socket) from going on.
          console.error('socket-gateway: a sync listener failed', error);
        }
      }
    });
    let refusals = 0;
    created.on('connect', () => (refusals = 0));
    created.on('connect_error', (error) => {
      const message = tokenError ?? error.message;
      const retry = (error as { data?: { retry?: unknown } }).data?.retry === true;
      if (!created.active && retry) {
        // The server is up but cannot serve us yet (a store is down): come back later, jittered.
        const attempt = generation;
        const delay = Math.random() * Math.min(TOKEN_RETRY_MAX_MS, 1_000 * 2 ** refusals++);
        set({ status: everConnected ? 'reconnecting' : 'connecting', error: message });
        setTimeout(() => attempt === generation && !created.active && created.connect(), delay);
        return;
      }
      // Inactive after a connect_error = the server refused (middleware error): no retry.
      if (!created.active) set({ status: 'disconnected', error: message });
      else set({ status: everConnected ? 'reconnecting' : 'connecting', error: message });
    });
    created.on('disconnect', () => {
      set({ status: created.active ? 'reconnecting' : 'disconnected' });
    });
    created.io.on('reconnect_attempt', () => set({ status: 'reconnecting' }));
    created.io.on('reconnect_failed', () => set({ status: 'disconnected' }));
    return created;
  };

  const getSocket = () => (socket ??= create());

  const cancelRelease = () => {
    if (releaseTimer !== null) clearTimeout(releaseTimer);
    releaseTimer = null;
  };

  const stop = () => {
    cancelRelease();
    generation += 1;
    currentUser = null;
    everConnected = false;
    socket?.disconnect();
    set({ status: 'disconnected' });
  };

  return {
    getSnapshot: status.getSnapshot,
    getInitialSnapshot: status.getInitialSnapshot,
    subscribe: status.subscribe,
    getSocket,
    start(userId) {
      cancelRelease();
      const current = getSocket();
      if (currentUser === userId && current.active) return;
      if (current.active) current.disconnect();
      generation += 1;
      currentUser = userId;
      everConnected = false;
      tokenError = null;
      set({ status: 'connecting', error: null });
      current.connect();
    },
    stop,
    release() {
      cancelRelease();
      releaseTimer = setTimeout(stop, 0);
    },
    setTokenFetcher(next) {
      fetchToken = next;
    },
    setOnResync(next) {
      resyncCallback = next;
    },
    getSocketId() {
      return socket?.connected ? socket.id : undefined;
    },
    onSync(listener) {
      syncListeners.add(listener);
      return () => {
        syncListeners.delete(listener);
      };
    },
  };
}
