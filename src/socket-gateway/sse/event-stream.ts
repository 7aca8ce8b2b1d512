/**
 * The gateway's events as a pull stream, for transports that are not Socket.IO (server-sent
 * events through tRPC's httpSubscriptionLink, a plain SSE route): for one authenticated user, an
 * async generator that yields every log entry addressed to that user (their personal address,
 * their stored rooms, everyone), in log order, each with its position, from where the client says
 * it stopped (`lastEventId`), then live.
 *
 * The rules are the socket replay's (replay.ts; docs/replay-protocol.md), told for a stream:
 * - Revocation is asked before anything is sent, again after the stream has registered for live
 *   entries (a sign-out the first answer missed comes after, and the periodic check sees it),
 *   before going live, and every `revocationCheckMs` while live: a sign-out ends the stream.
 * - Rooms come from the membership store (never from the client), read at the start and again
 *   whenever the stream passes a `membership:changed` addressed to the user, so a post to a room
 *   the user just joined (or left) is judged by the membership after the announcement.
 * - `lastEventId` (`<epoch>:<position>`) picks only WHERE the replay starts: every entry is still
 *   filtered by the authenticated user's addresses, so a forged one yields nothing foreign. An
 *   id from another epoch, ahead of the log, malformed, or past the retention yields a sync item
 *   with `resync: true` instead of the missed stretch (refetch what you show).
 * - Exactly once and in order across the seam: the stream registers for live entries and takes
 *   the reader's position in the same tick; the replay brings everything up to that position,
 *   the live queue everything after it.
 * - Bounded: at most `maxStreamsPerUser` open streams per user in this process (`EventStreamLimitError`);
 *   a reader that falls `maxQueuedEvents` / `maxQueuedBytes` behind is ended with
 *   `EventStreamClosedError('slow-reader')` rather than buffered without bound: it reconnects
 *   with its last id and is replayed from the log what it did not take.
 *
 * One log subscription per `createEventStreams` (not per stream): the entries are read and
 * decoded once and handed to every stream, and the newest ones are kept in memory indexed by
 * address (recent-entries.ts) so a reconnect storm does not read the log's store once per client.
 * @see ../replay.ts
 */
import { setMaxListeners } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { payloadBytes } from '../delivery/event-bounds';
import type { SyncInfo } from '../event-map';
import { createRecentEntries, DEFAULT_RECENT_CAPACITY } from '../delivery/recent-entries';
import { comparePositions, isPosition, type EventAddress, type EventLog, type LogEntry } from '../stores/event-log';
import { EventLogResyncError } from '../stores/event-log-subscription';
import type { MembershipStore } from '../stores/types';

/** The replay protocol's own event (replay.ts SYNC_EVENT), repeated here to keep this module free of Socket.IO. */
export const STREAM_SYNC_EVENT = 'gateway:sync';
/** The library's event that announces a room move to a user's tabs (gateway.ts). */
const MEMBERSHIP_EVENT = 'membership:changed';

/** One item of a stream: a log entry, or where the client stands (`gateway:sync`), with the id to resume from. */
export type EventStreamItem =
  { id: string; event: string; data: unknown; sync?: undefined } | { id: string; event: typeof STREAM_SYNC_EVENT; data: SyncInfo; sync: true };

export interface EventStreamsOptions {
  log: EventLog;
  /** Where the user's rooms are read (only `roomsOf` is used). */
  membership: Pick<MembershipStore, 'roomsOf'>;
  /** Open streams one user may have in this process (default 8). */
  maxStreamsPerUser?: number;
  /** Live entries a stream may hold for a reader that has not taken them yet (default 1,000). */
  maxQueuedEvents?: number;
  /** And payload bytes (JSON, default 1 MiB). */
  maxQueuedBytes?: number;
  /** How often a live stream asks whether its user signed out (default 5 s). */
  revocationCheckMs?: number;
  /** The in-memory replay window (recent-entries.ts; default 20,000 entries, 32 MiB). */
  replayWindow?: number;
  replayWindowBytes?: number;
  /** Errors of the log subscription (a lost Redis connection; it retries by itself). */
  onError?(error: Error): void;
}

export interface OpenStreamOptions {
  /** Where the client says it stopped (`<epoch>:<position>`, the id of the last item it got), or nothing: live only. */
  lastEventId?: string | null;
  /** Whether the user signed out after the credential behind this stream was issued. */
  revoked(): Promise<boolean>;
  /**
   * Takes one token from the user's bucket of replays read from the log's store (a position older
   * than the in-memory window); false: the client is told to resync. Default: always allowed.
   */
  mayReadLog?(): Promise<boolean>;
  /** Ends the stream (the request was closed). */
  signal?: AbortSignal;
}

export interface EventStreams {
  /**
   * The stream of `userId`. Throws `EventStreamLimitError` at once (before the first item is
   * asked for) when the user has `maxStreamsPerUser` open; the slot is taken from this call until
   * the generator finishes (returned, thrown, or ended by the signal).
   */
  open(userId: string, options: OpenStreamOptions): AsyncGenerator<EventStreamItem, void, undefined>;
  /** The newest log position handed to the streams (undefined before the first stream starts the reader). */
  position(): string | undefined;
  /** Open streams of `userId` (all users without one). */
  count(userId?: string): number;
  /** Stops the log subscription and ends every stream. */
  close(): Promise<void>;
}

/** A stream cannot be opened: the user has too many open. */
export class EventStreamLimitError extends Error {
  override readonly name = 'EventStreamLimitError';
  constructor(readonly limit: number) {
    super(`At most ${limit} event streams per user`);
  }
}

/**
 * A stream was ended by the server. `revoked`: the user signed out (do not reconnect with these
 * credentials). `slow-reader`, `closed`: reconnect with the last id received; the replay brings
 * what was not taken (or a resync).
 */
export class EventStreamClosedError extends Error {
  override readonly name = 'EventStreamClosedError';
  constructor(readonly reason: 'revoked' | 'slow-reader' | 'closed') {
    super(
      reason === 'revoked'
        ? 'Signed out: the event stream is closed'
        : reason === 'slow-reader'
          ? 'The reader fell too far behind: reconnect with the last event id'
          : 'The event stream was closed by the server',
    );
  }
}

/** `<epoch>:<position>`: the id of every stream item, and what a client sends back as `lastEventId`. */
export function formatEventId(epoch: string, position: string): string {
  return `${epoch}:${position}`;
}

/** Reads a `lastEventId`: hostile input, checked (undefined when it is not one). */
export function parseEventId(id: unknown): { epoch: string; position: string } | undefined {
  if (typeof id !== 'string' || id.length > 200) return undefined;
  const cut = id.lastIndexOf(':');
  if (cut <= 0) return undefined;
  const epoch = id.slice(0, cut);
  const position = id.slice(cut + 1);
  return isPosition(position) ? { epoch, position } : undefined;
}

const REPLAY_BATCH = 1_000;

interface Listener {
  userId: string;
  /** Rooms an arriving entry is kept for: the stored rooms plus any named by a `membership:changed` not yet taken. */
  accepts(entry: LogEntry): boolean;
  push(item: LogEntry | ResyncMark): void;
}

/** The log reader lost continuity (reset, or it fell behind the retention): every stream resyncs here. */
interface ResyncMark {
  resync: true;
  epoch: string;
  position: string;
}

export function createEventStreams(options: EventStreamsOptions): EventStreams {
  const {
    log,
    membership,
    maxStreamsPerUser = 8,
    maxQueuedEvents = 1_000,
    maxQueuedBytes = 1024 * 1024,
    revocationCheckMs = 5_000,
    replayWindow = DEFAULT_RECENT_CAPACITY,
    replayWindowBytes,
    onError = () => {},
  } = options;
  for (const [name, value] of Object.entries({ maxStreamsPerUser, maxQueuedEvents, maxQueuedBytes, revocationCheckMs })) {
    if (!(Number.isFinite(value) && value >= 1)) throw new RangeError(`event streams: ${name} must be at least 1, got ${value}`);
  }
  const perUser = new Map<string, number>();
  const listeners = new Set<Listener>();
  const closing = new AbortController();
  setMaxListeners(0, closing.signal); // one listener per open stream, by design
  /** Payload bytes of an entry, measured once however many streams queue it. */
  const sizes = new WeakMap<LogEntry, number>();
  const sizeOf = (entry: LogEntry) => {
    let size = sizes.get(entry);
    if (size === undefined) sizes.set(entry, (size = payloadBytes(entry.data)));
    return size;
  };

  interface Reader {
    epoch: string;
    position: string;
    recent: ReturnType<typeof createRecentEntries>;
    stop(): Promise<void>;
  }
  let reader: Promise<Reader> | undefined;
  let current: Reader | undefined;
  const startReader = async (): Promise<Reader> => {
    const epoch = await log.epoch();
    const position = await log.head();
    const state: Reader = {
      epoch,
      position,
      recent: createRecentEntries(position, log.retention, replayWindow, Date.now, replayWindowBytes),
      stop: async () => {},
    };
    const subscription = log.subscribe(
      position,
      (entries) => {
        for (const entry of entries) {
          state.position = entry.position;
          for (const listener of listeners) if (listener.accepts(entry)) listener.push(entry);
        }
        state.recent.push(entries);
      },
      (error) => {
        if (error instanceof EventLogResyncError) {
          state.epoch = error.epoch;
          state.position = error.position;
          state.recent.restart(error.position);
          for (const listener of listeners) listener.push({ resync: true, epoch: error.epoch, position: error.position });
        }
        onError(error);
      },
    );
    state.stop = () => subscription.stop();
    current = state;
    return state;
  };
  const ensureReader = () => {
    reader ??= startReader().catch((error: unknown) => {
      reader = undefined; // the next stream tries again
      throw error;
    });
    return reader;
  };

  /** Log pages of every replay are read one per event-loop turn (replay.ts, "pageTurns"). */
  let pageTurns: Promise<unknown> = Promise.resolve();
  const nextPageTurn = () => (pageTurns = pageTurns.then(() => yieldToEventLoop()));

  async function* run(userId: string, { lastEventId, revoked, mayReadLog = async () => true, signal }: OpenStreamOptions): AsyncGenerator<EventStreamItem> {
    const state = await ensureReader();
    if (await revoked()) throw new EventStreamClosedError('revoked');
    let rooms = new Set(await membership.roomsOf(userId));
    /** Rooms named by `membership:changed` entries queued but not taken yet: entries to them are kept until the store is read again. */
    const pendingRooms = new Map<string, number>();
    const queue: (LogEntry | ResyncMark)[] = [];
    let queuedBytes = 0;
    let overflow = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    const listener: Listener = {
      userId,
      accepts: (entry) =>
        entry.to.kind === 'all' || (entry.to.kind === 'user' ? entry.to.userId === userId : rooms.has(entry.to.room) || pendingRooms.has(entry.to.room)),
      push(item) {
        if (overflow) return;
        if ('to' in item) {
          const announced = membershipRoom(item, userId);
          if (announced !== undefined) pendingRooms.set(announced, (pendingRooms.get(announced) ?? 0) + 1);
          queuedBytes += sizeOf(item);
        }
        queue.push(item);
        if (queue.length > maxQueuedEvents || queuedBytes > maxQueuedBytes) {
          overflow = true;
          queue.length = 0;
          queuedBytes = 0;
        }
        notify();
      },
    };
    // Registered and positioned in the same tick: the replay covers (after, joinedAt], the queue what follows.
    listeners.add(listener);
    let epoch = state.epoch;
    const joinedAt = state.position;
    let revokedSeen = false;
    const onAbort = () => notify();
    signal?.addEventListener('abort', onAbort);
    closing.signal.addEventListener('abort', onAbort);
    const timer = setInterval(() => {
      void revoked().then(
        (yes) => {
          if (yes) {
            revokedSeen = true;
            notify();
          }
        },
        () => {},
      );
    }, revocationCheckMs);
    timer.unref?.();
    const ended = () => signal?.aborted || closing.signal.aborted;
    try {
      // Join, then check (replay.ts): a sign-out this answer misses is seen by the periodic check.
      if (await revoked()) throw new EventStreamClosedError('revoked');
      const resume = lastEventId ? parseEventId(lastEventId) : undefined;
      let resync = Boolean(lastEventId) && !resume;
      let after = joinedAt;
      if (resume) {
        if (resume.epoch !== epoch || comparePositions(resume.position, joinedAt) > 0) resync = true;
        else after = resume.position;
      }
      let replayed = 0;
      const addresses = (): EventAddress[] => [{ kind: 'all' }, { kind: 'user', userId }, ...[...rooms].map((room) => ({ kind: 'room' as const, room }))];
      let logAllowed: boolean | undefined;
      while (lastEventId && comparePositions(after, joinedAt) < 0) {
        if (ended()) return;
        let batch: LogEntry[] | 'gap' | undefined = state.recent.readAddressed(after, joinedAt, addresses());
        const fromMemory = batch !== undefined;
        if (!batch) {
          logAllowed ??= await mayReadLog();
          if (!logAllowed) batch = 'gap';
          else {
            await nextPageTurn();
            batch = await log.readRange(after, joinedAt, REPLAY_BATCH);
            if (await revoked()) throw new EventStreamClosedError('revoked');
          }
        }
        if (batch === 'gap') {
          resync = true;
          break;
        }
        for (const entry of batch) {
          if (!addressedTo(entry, userId, rooms)) continue;
          replayed += 1;
          yield { id: formatEventId(epoch, entry.position), event: entry.event, data: entry.data };
          if (ended()) return;
          if (overflow) throw new EventStreamClosedError('slow-reader');
        }
        after = fromMemory || batch.length < REPLAY_BATCH ? joinedAt : batch.at(-1)!.position;
      }
      // Before going live, once more (a sign-out during a long replay).
      if (revokedSeen || (await revoked())) throw new EventStreamClosedError('revoked');
      const sync = (position: string, info: { replayed: number; resync: boolean }): EventStreamItem => ({
        id: formatEventId(epoch, position),
        event: STREAM_SYNC_EVENT,
        data: { epoch, position, ...info },
        sync: true,
      });
      yield sync(joinedAt, { replayed, resync });
      for (;;) {
        if (ended()) return;
        if (revokedSeen) throw new EventStreamClosedError('revoked');
        if (overflow) throw new EventStreamClosedError('slow-reader');
        const item = queue.shift();
        if (!item) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        if (!('to' in item)) {
          epoch = item.epoch;
          yield sync(item.position, { replayed: 0, resync: true });
          continue;
        }
        queuedBytes -= sizeOf(item);
        const announced = membershipRoom(item, userId);
        if (announced !== undefined) {
          // The store decides what the user is in after this announcement, not its payload.
          rooms = new Set(await membership.roomsOf(userId));
          const left = (pendingRooms.get(announced) ?? 1) - 1;
          if (left > 0) pendingRooms.set(announced, left);
          else pendingRooms.delete(announced);
        }
        if (!addressedTo(item, userId, rooms)) continue;
        yield { id: formatEventId(epoch, item.position), event: item.event, data: item.data };
      }
    } finally {
      clearInterval(timer);
      listeners.delete(listener);
      signal?.removeEventListener('abort', onAbort);
      closing.signal.removeEventListener('abort', onAbort);
    }
  }

  return {
    open(userId, openOptions) {
      if (typeof userId !== 'string' || userId.length === 0) throw new TypeError('event stream: userId must be a non-empty string');
      if (closing.signal.aborted) throw new EventStreamClosedError('closed');
      const open = perUser.get(userId) ?? 0;
      if (open >= maxStreamsPerUser) throw new EventStreamLimitError(maxStreamsPerUser);
      perUser.set(userId, open + 1);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const left = (perUser.get(userId) ?? 1) - 1;
        if (left > 0) perUser.set(userId, left);
        else perUser.delete(userId);
      };
      const inner = run(userId, openOptions);
      const stream = (async function* () {
        try {
          yield* inner;
        } finally {
          release();
        }
      })();
      // A generator returned before its first step never enters its `finally`: release the slot here too.
      const returnStream = stream.return.bind(stream);
      stream.return = (value) => {
        release();
        return returnStream(value);
      };
      return stream;
    },
    position: () => current?.position,
    count(userId) {
      if (userId !== undefined) return perUser.get(userId) ?? 0;
      let total = 0;
      for (const open of perUser.values()) total += open;
      return total;
    },
    async close() {
      closing.abort();
      const running = reader;
      reader = undefined;
      current = undefined;
      if (running) await (await running.catch(() => undefined))?.stop();
    },
  };
}

/** The room a `membership:changed` addressed to `userId` announces, if `entry` is one. */
function membershipRoom(entry: LogEntry, userId: string): string | undefined {
  if (entry.event !== MEMBERSHIP_EVENT || entry.to.kind !== 'user' || entry.to.userId !== userId) return undefined;
  const room = (entry.data as { room?: unknown } | null)?.room;
  return typeof room === 'string' ? room : undefined;
}

/** Whether `entry` is addressed to `userId` in `rooms` (a stream has no socket: "to others" exclusions do not apply). */
function addressedTo(entry: LogEntry, userId: string, rooms: ReadonlySet<string>): boolean {
  if (entry.to.kind === 'all') return true;
  if (entry.to.kind === 'user') return entry.to.userId === userId;
  return rooms.has(entry.to.room);
}
