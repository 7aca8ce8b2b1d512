/**
 * Delivery from the event log, and the catch-up protocol on reconnect.
 *
 * Each node reads the log (the embedded log calls back before `append` resolves; the Redis log tails its
 * stream) and delivers every entry to its OWN sockets (`io.local`); a client that opted into the
 * replay protocol (replay-opt-in.ts) gets the entry's position as the last argument, any other
 * client the payload alone. A client remembers the last position it saw and sends it when it
 * connects again (`auth.resume = { epoch, position }`, to this node or another).
 *
 * A new socket joins `user:{id}` and its rooms at once, so a sign-out or a room move reaches it
 * whatever it is doing, but live delivery leaves it out (`replaying`) until it has caught up. The
 * server then checks the sign-out again (join, then check: a sign-out the check misses comes
 * after the join, and its disconnect reaches the socket), replays every entry after the client's
 * position addressed to the user, its rooms or everyone — rooms from the authenticated identity
 * and the stored membership, never from the client — and lets live delivery take over in the same
 * tick in which it has caught up with this node's reader, so nothing falls into the seam and
 * nothing comes twice. It then sends `gateway:sync` with where the client stands, or with
 * `resync: true` when the missed stretch cannot be replayed (trimmed, the log was reset, or the
 * user's budget of replays read from the log's store is spent).
 * @see docs/replay-protocol.md
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { SYNC_EVENT, type SyncInfo } from '../event-map';
import { comparePositions, isPosition, type EventAddress, type EventLog, type LogEntry } from '../stores/event-log';
import { EventLogResyncError } from '../stores/event-log-subscription';
import { createWriteWindow, type DrainableConnection } from './backpressure';
import { getMetrics } from '../observability/metrics';
import { createRecentEntries, DEFAULT_RECENT_CAPACITY } from './recent-entries';
import { selectTarget } from './sinks';
import { USER_ROOM_PREFIX, userRoom } from '../rooms';
import { isMarkerRoom, PLAIN_ROOM, REPLAY_ROOM } from './replay-opt-in';
import type { GatewayServer, GatewaySocket } from '../types';

export { SYNC_EVENT, type SyncInfo } from '../event-map';

/** What a reconnecting client sends in `auth.resume`. */
export interface ResumeRequest {
  epoch: string;
  position: string;
  /** The socket id the client had before: events it caused itself ("to others") are not replayed to it. */
  socketId?: string;
}

/** Reads `auth.resume` from a handshake: hostile input, checked field by field. */
export function parseResume(auth: unknown): ResumeRequest | undefined {
  if (typeof auth !== 'object' || auth === null) return undefined;
  const resume = (auth as { resume?: unknown }).resume;
  if (typeof resume !== 'object' || resume === null) return undefined;
  const { epoch, position, socketId } = resume as Record<string, unknown>;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 100 || !isPosition(position)) return undefined;
  return { epoch, position, ...(typeof socketId === 'string' && socketId.length <= 100 ? { socketId } : {}) };
}

const REPLAY_BATCH = 1_000;
/**
 * A replay pauses whenever it has queued this much for the socket, until it is written out (see
 * backpressure.ts): far below SOCKET_MAX_BACKLOG_BYTES (1 MiB by default), so a long catch-up is
 * paced by the client instead of cut as a slow consumer.
 */
const REPLAY_WINDOW_BYTES = 64 * 1024;

/** Log entries carry names and payloads checked when they were emitted; the position rides as an extra argument (opted-in clients). */
const untyped = (socket: GatewaySocket) => socket as unknown as { emit(event: string, ...args: unknown[]): boolean };

/** What the socket server knows about a new socket when it hands it to `Delivery.resume`. */
export interface ResumeContext {
  /** The user's stored rooms (read at the handshake). */
  rooms: string[];
  /** Where the client says it stopped (`auth.resume`), or undefined (a first connect, a plain client). */
  request: ResumeRequest | undefined;
  /** Whether the client opted into the replay protocol (replay-opt-in.ts): positions and `gateway:sync`, or payloads only. */
  optedIn: boolean;
  /**
   * Whether the user signed out after this socket's credential was issued. Asked once the socket
   * is in `user:{id}`, before it receives anything: a sign-out this answer does not see was
   * written after the join, so its `disconnectSockets` on that room reaches the socket.
   */
  revoked(): Promise<boolean>;
  /**
   * Takes one token from the user's bucket of replays read from the log's store (a position
   * older than this node's in-memory window); false: the client is answered with a resync.
   */
  mayReadLog(): Promise<boolean>;
}

export interface Delivery {
  /** The log's epoch (it changes when the log is reset). */
  epoch(): string;
  /** The newest position this node's reader has delivered. */
  position(): string;
  /**
   * Puts `socket` in `user:{id}` and its rooms at once (kept out of live delivery meanwhile),
   * re-checks the sign-out, replays what it missed (if it asks), and sends `gateway:sync` to a
   * client that opted in.
   */
  resume(socket: GatewaySocket, context: ResumeContext): Promise<void>;
  stop(): Promise<void>;
}

export interface DeliveryOptions {
  /**
   * How many of the newest entries this node keeps in memory to replay from (recent-entries.ts);
   * never more than the log keeps. 0: every replay reads the log.
   */
  replayWindow?: number;
  /** At most this many bytes of payload JSON in that window (recent-entries.ts; default DEFAULT_RECENT_MAX_BYTES). */
  replayWindowBytes?: number;
  /** The personal room of a user (the app's room policy; default `user:{id}`): a new socket joins it, emits to the user go there. */
  personalRoom?: (userId: string) => string;
}

/** Starts reading `log` and delivering to this node's sockets. */
export async function startDelivery(
  io: GatewayServer,
  log: EventLog,
  onError: (error: Error) => void = () => {},
  { replayWindow = DEFAULT_RECENT_CAPACITY, replayWindowBytes, personalRoom = userRoom }: DeliveryOptions = {},
): Promise<Delivery> {
  let epoch = await log.epoch();
  let readerPosition = await log.head();
  const recent = createRecentEntries(readerPosition, log.retention, replayWindow, Date.now, replayWindowBytes);
  const local = io.local;
  const adapterRooms = io.of('/').adapter.rooms;
  const metrics = getMetrics();
  /** How many of this node's sockets an entry reaches: the room sizes Socket.IO holds, no socket lookups. */
  const reach = (entry: LogEntry) => {
    const size =
      entry.to.kind === 'all'
        ? io.of('/').sockets.size
        : (adapterRooms.get(entry.to.kind === 'user' ? personalRoom(entry.to.userId) : entry.to.room)?.size ?? 0);
    return entry.exceptSocketId && size > 0 && io.of('/').sockets.has(entry.exceptSocketId) ? size - 1 : size;
  };
  // The log was reset, or this reader fell behind the retention: every client here may have
  // missed something. Delivery goes on from where the log says; clients are told to refetch.
  const onSubscriptionError = (error: Error) => {
    if (error instanceof EventLogResyncError) {
      epoch = error.epoch;
      readerPosition = error.position;
      recent.restart(readerPosition);
      (local.to(REPLAY_ROOM) as unknown as { emit(event: string, sync: SyncInfo): void }).emit(SYNC_EVENT, {
        epoch,
        position: readerPosition,
        replayed: 0,
        resync: true,
      });
    }
    onError(error);
  };
  /**
   * Sockets being replayed to (or waiting for their sign-out re-check). They are in their rooms
   * already, so a sign-out or a room move reaches them; live delivery leaves them out, and the
   * replay brings them those entries, in order, once.
   */
  const replaying = new Set<string>();
  const deliver = (entries: LogEntry[]) => {
    const target = replaying.size ? local.except([...replaying]) : local;
    // Clients that opted in get the position as an extra argument; plain ones get the payload only.
    // Two broadcasts (each minus the other kind) only while this node has sockets of both kinds:
    // otherwise one broadcast per entry, as before.
    const plainHere = (adapterRooms.get(PLAIN_ROOM)?.size ?? 0) > 0;
    const replayHere = !plainHere || (adapterRooms.get(REPLAY_ROOM)?.size ?? 0) > 0;
    const withPosition = replayHere ? (plainHere ? target.except(PLAIN_ROOM) : target) : undefined;
    const payloadOnly = plainHere ? (replayHere ? target.except(REPLAY_ROOM) : target) : undefined;
    for (const entry of entries) {
      if (withPosition) selectTarget(withPosition as never, entry, personalRoom).emit(entry.event, entry.data, entry.position);
      if (payloadOnly) selectTarget(payloadOnly as never, entry, personalRoom).emit(entry.event, entry.data);
      readerPosition = entry.position;
      const reached = reach(entry);
      if (reached > 0) metrics.deliveries.inc({ target: entry.to.kind }, reached);
    }
    recent.push(entries);
  };
  const subscription = log.subscribe(readerPosition, deliver, onSubscriptionError);

  /**
   * Log pages, of every replay on this node, are read one per event-loop turn (setImmediate), one
   * after another: a page is ~1,000 entries read and decoded (a few ms of CPU), so however many
   * replays read the log at once, the node answers everything else between two pages.
   */
  let pageTurns: Promise<unknown> = Promise.resolve();
  const nextPageTurn = () => (pageTurns = pageTurns.then(() => yieldToEventLoop()));

  return {
    epoch: () => epoch,
    position: () => readerPosition,
    async resume(socket, { rooms, request, optedIn, revoked, mayReadLog }) {
      const userId = socket.data.userId;
      const out = untyped(socket);
      const send = optedIn ? (entry: LogEntry) => out.emit(entry.event, entry.data, entry.position) : (entry: LogEntry) => out.emit(entry.event, entry.data);
      // In its personal room and the rooms from the start (a sign-out or a room move made from now on
      // reaches this socket), out of live delivery until it has caught up.
      replaying.add(socket.id);
      socket.join([personalRoom(userId), ...rooms, optedIn ? REPLAY_ROOM : PLAIN_ROOM]);
      /** Where live delivery left this socket: what it skips from here on, the replay brings. */
      const joinedAt = readerPosition;
      let after = joinedAt;
      let replayed = 0;
      let resync = false;
      /**
       * Whether this replay waited (a log page, backpressure) since the sign-out was last checked:
       * then it is checked again before the next batch, whose entries may be newer than a sign-out
       * whose broadcast never arrived (Redis pub/sub is at most once), and before going live.
       */
      let waited = false;
      /** Asked once per resume, only when the log's store must be read for a stretch the client chose. */
      let logAllowed: boolean | undefined;
      const finish = (info: Omit<SyncInfo, 'epoch'>) => {
        replaying.delete(socket.id);
        if (request) {
          metrics.replays.inc({ outcome: info.resync ? 'resync' : 'replayed' });
          if (info.replayed > 0) metrics.eventsReplayed.inc(info.replayed);
        }
        if (optedIn) out.emit(SYNC_EVENT, { epoch, ...info });
      };
      const writes = createWriteWindow(socket.conn as unknown as DrainableConnection, REPLAY_WINDOW_BYTES);
      try {
        if (await revoked()) return void socket.disconnect(true);
        if (!socket.connected) return;
        if (request) {
          if (request.epoch !== epoch || comparePositions(request.position, readerPosition) > 0) resync = true;
          else after = request.position;
        }
        /** The stretch the client asked for cannot be replayed: say so, and still bring what live delivery skipped since the join. */
        const giveUp = () => {
          resync = true;
          if (comparePositions(after, joinedAt) < 0) after = joinedAt;
        };
        for (;;) {
          if (waited) {
            waited = false;
            if (await revoked()) return void socket.disconnect(true);
            if (!socket.connected) return;
          }
          const until = readerPosition;
          // Caught up with the reader in this very tick: live delivery takes over.
          if (comparePositions(after, until) >= 0) return finish({ position: after, replayed, resync });
          const joinedRooms = [...socket.rooms].filter((room) => room !== socket.id && !isMarkerRoom(room) && !room.startsWith(USER_ROOM_PREFIX));
          const addresses: EventAddress[] = [{ kind: 'all' }, { kind: 'user', userId }, ...joinedRooms.map((room) => ({ kind: 'room' as const, room }))];
          // From memory when the stretch is recent (no store read, nothing decoded again, only this
          // user's entries looked at), else a page of the log: rate-limited per user for a stretch
          // the client chose (each page can cost milliseconds of CPU whatever it holds for the client).
          const recentBatch = recent.readAddressed(after, until, addresses);
          let batch: LogEntry[] | 'gap';
          if (recentBatch) batch = recentBatch;
          else {
            const clientChosen = comparePositions(after, joinedAt) < 0;
            if (clientChosen && logAllowed === undefined) logAllowed = await mayReadLog();
            if (clientChosen && !logAllowed) {
              giveUp();
              continue;
            }
            await nextPageTurn();
            if (!socket.connected) return;
            batch = await log.readRange(after, until, REPLAY_BATCH);
            waited = true;
          }
          if (!socket.connected) return;
          if (batch === 'gap') {
            if (comparePositions(after, joinedAt) < 0) {
              giveUp();
              continue;
            }
            // Even what live delivery skipped is gone (the log was reset): the client refetches.
            return finish({ position: readerPosition, replayed, resync: true });
          }
          const joined = new Set(joinedRooms);
          for (const entry of batch) {
            if (!addressedTo(entry, userId, joined, socket.id, request?.socketId)) continue;
            send(entry);
            replayed += 1;
            if (writes.full()) {
              waited = true;
              await writes.pause();
              if (!socket.connected) return;
            }
          }
          after = recentBatch || batch.length < REPLAY_BATCH ? until : batch.at(-1)!.position;
        }
      } finally {
        writes.stop();
        replaying.delete(socket.id);
      }
    },
    stop: () => subscription.stop(),
  };
}

/** Whether a replay brings `entry` to the socket `socketId` of `userId` in `rooms` (which had `previousSocketId` before). */
function addressedTo(entry: LogEntry, userId: string, rooms: ReadonlySet<string>, socketId: string, previousSocketId: string | undefined): boolean {
  if (entry.exceptSocketId !== undefined && (entry.exceptSocketId === previousSocketId || entry.exceptSocketId === socketId)) return false;
  if (entry.to.kind === 'all') return true;
  if (entry.to.kind === 'user') return entry.to.userId === userId;
  return rooms.has(entry.to.room);
}
