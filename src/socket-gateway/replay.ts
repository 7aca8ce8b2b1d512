/**
 * Delivery from the event log, and the catch-up protocol on reconnect.
 *
 * Each node reads the log (the embedded log calls back before `append` resolves; the Redis log tails its
 * stream) and delivers every entry to its OWN sockets (`io.local`), with the entry's position as
 * the last argument. A client remembers the last position it saw and sends it when it connects
 * again (`auth.resume = { epoch, position }`, to this node or another); the server replays every
 * entry after it that is addressed to the user's rooms — the rooms come from the authenticated
 * identity and the stored membership, never from the client — then joins those rooms in the
 * same tick in which it has caught up with this node's reader, so nothing falls into the seam
 * and nothing comes twice. It then sends `gateway:sync` with where the client stands, or with
 * `resync: true` when the missed stretch cannot be replayed (trimmed, or the log was reset).
 * Clients that do not implement this still receive live events (the extra argument is ignored).
 * @see README, "Replay protocol"
 */
import type { SyncInfo } from './events';
import { comparePositions, isPosition, type EventAddress, type EventLog, type LogEntry } from './stores/event-log';
import { EventLogResyncError } from './stores/event-log-subscription';
import { createWriteWindow, type DrainableConnection } from './backpressure';
import { getMetrics } from './metrics';
import { createRecentEntries, DEFAULT_RECENT_CAPACITY } from './recent-entries';
import { selectTarget } from './sinks';
import { userRoom } from './rooms';
import type { GatewayServer, GatewaySocket } from './types';

export const SYNC_EVENT = 'gateway:sync';

export type { SyncInfo } from './events';

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

/** Log entries carry names and payloads checked when they were emitted; the position rides as an extra argument. */
const untyped = (socket: GatewaySocket) => socket as unknown as { emit(event: string, ...args: unknown[]): boolean };

export interface Delivery {
  /** The log's epoch (it changes when the log is reset). */
  epoch(): string;
  /** The newest position this node's reader has delivered. */
  position(): string;
  /** Replays what `socket` missed (if it asks), joins it to `rooms` at the seam, and sends `gateway:sync`. */
  resume(socket: GatewaySocket, rooms: string[], request: ResumeRequest | undefined): Promise<void>;
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
}

/** Starts reading `log` and delivering to this node's sockets. */
export async function startDelivery(
  io: GatewayServer,
  log: EventLog,
  onError: (error: Error) => void = () => {},
  { replayWindow = DEFAULT_RECENT_CAPACITY, replayWindowBytes }: DeliveryOptions = {},
): Promise<Delivery> {
  let epoch = await log.epoch();
  let readerPosition = await log.head();
  const recent = createRecentEntries(readerPosition, log.retention, replayWindow, Date.now, replayWindowBytes);
  const local = io.local;
  const metrics = getMetrics();
  /** How many of this node's sockets an entry reaches: the room sizes Socket.IO holds, no socket lookups. */
  const reach = (entry: LogEntry) => {
    const rooms = io.of('/').adapter.rooms;
    const size =
      entry.to.kind === 'all' ? io.of('/').sockets.size : (rooms.get(entry.to.kind === 'user' ? userRoom(entry.to.userId) : entry.to.room)?.size ?? 0);
    return entry.exceptSocketId && size > 0 && io.of('/').sockets.has(entry.exceptSocketId) ? size - 1 : size;
  };
  // The log was reset, or this reader fell behind the retention: every client here may have
  // missed something. Delivery goes on from where the log says; clients are told to refetch.
  const onSubscriptionError = (error: Error) => {
    if (error instanceof EventLogResyncError) {
      epoch = error.epoch;
      readerPosition = error.position;
      recent.restart(readerPosition);
      (local as unknown as { emit(event: string, sync: SyncInfo): void }).emit(SYNC_EVENT, { epoch, position: readerPosition, replayed: 0, resync: true });
    }
    onError(error);
  };
  /**
   * Sockets being replayed to. They join their rooms only at the seam, so nothing addressed to a
   * room reaches them early; but a broadcast goes to every socket of the node, so live delivery
   * leaves them out: the replay brings them those entries, in order, once.
   */
  const replaying = new Set<string>();
  const deliver = (entries: LogEntry[]) => {
    const target = replaying.size ? local.except([...replaying]) : local;
    for (const entry of entries) {
      selectTarget(target as never, entry).emit(entry.event, entry.data, entry.position);
      readerPosition = entry.position;
      const reached = reach(entry);
      if (reached > 0) metrics.deliveries.inc({ target: entry.to.kind }, reached);
    }
    recent.push(entries);
  };
  const subscription = log.subscribe(readerPosition, deliver, onSubscriptionError);

  const addressedTo = (entry: LogEntry, userId: string, rooms: Set<string>, previousSocketId: string | undefined) => {
    if (previousSocketId !== undefined && entry.exceptSocketId === previousSocketId) return false;
    if (entry.to.kind === 'all') return true;
    if (entry.to.kind === 'user') return entry.to.userId === userId;
    return rooms.has(entry.to.room);
  };

  return {
    epoch: () => epoch,
    position: () => readerPosition,
    async resume(socket, rooms, request) {
      const userId = socket.data.userId;
      const all = [userRoom(userId), ...rooms];
      const finish = (info: Omit<SyncInfo, 'epoch'>) => {
        replaying.delete(socket.id);
        if (request) {
          metrics.replays.inc({ outcome: info.resync ? 'resync' : 'replayed' });
          if (info.replayed > 0) metrics.eventsReplayed.inc(info.replayed);
        }
        socket.join(all);
        untyped(socket).emit(SYNC_EVENT, { epoch, ...info });
      };
      if (!request) return finish({ position: readerPosition, replayed: 0, resync: false });
      if (request.epoch !== epoch || comparePositions(request.position, readerPosition) > 0) {
        return finish({ position: readerPosition, replayed: 0, resync: true });
      }
      const roomSet = new Set(rooms);
      const addresses: EventAddress[] = [{ kind: 'all' }, { kind: 'user', userId }, ...rooms.map((room) => ({ kind: 'room' as const, room }))];
      let after = request.position;
      let replayed = 0;
      replaying.add(socket.id);
      const writes = createWriteWindow(socket.conn as unknown as DrainableConnection, REPLAY_WINDOW_BYTES);
      try {
        for (;;) {
          const until = readerPosition;
          if (comparePositions(after, until) >= 0) break;
          // From memory when the stretch is recent (no store read, nothing decoded again, only this
          // user's entries looked at), else a page of the log.
          const recentBatch = recent.readAddressed(after, until, addresses);
          const batch = recentBatch ?? (await log.readRange(after, until, REPLAY_BATCH));
          if (!socket.connected) return;
          if (batch === 'gap') return finish({ position: readerPosition, replayed, resync: true });
          for (const entry of batch) {
            if (!addressedTo(entry, userId, roomSet, request.socketId)) continue;
            untyped(socket).emit(entry.event, entry.data, entry.position);
            replayed += 1;
            if (writes.full()) {
              await writes.pause();
              if (!socket.connected) return;
            }
          }
          after = recentBatch || batch.length < REPLAY_BATCH ? until : batch.at(-1)!.position;
        }
        // Caught up with the reader in this very tick: join now, and live delivery takes over.
        finish({ position: after, replayed, resync: false });
      } finally {
        writes.stop();
        replaying.delete(socket.id);
      }
    },
    stop: () => subscription.stop(),
  };
}
