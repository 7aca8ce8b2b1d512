/**
 * Emits from any process: a worker, a cron job, a Next.js route handler on a serverless
 * platform. The same typed API as `gateway` (emits, room moves, disconnectUser,
 * revokeUserSockets, presence), with no Socket.IO server and no Next import in its module
 * graph: emits are appended to the shared event log in Redis (every node delivers them, and
 * replays them to clients that were away), room moves and disconnects travel through the
 * official Redis emitter to the nodes' Redis adapter.
 *
 * It never trims the shared log: its appends carry no length cap of their own (a worker's default
 * once cut the log below what the servers were configured to keep, so clients that were away
 * got `resync` instead of their missed events). The servers' trim timer alone decides retention.
 * @see https://socket.io/docs/v4/redis-adapter/#emitter
 */
import { Emitter } from '@socket.io/redis-emitter';
import { DEFAULT_MAX_EVENT_BYTES } from './delivery/event-bounds';
import { assertEventMap, type EventMap } from './event-map';
import { createRoomPolicy, type RoomPolicy, type RoomUser } from './rooms';
import { DEFAULT_EVENT_LOG_RETENTION, type EventLogRetention } from './stores/event-log';
import { SocketGateway } from './gateway';
import { createLogSink } from './delivery/sinks';
import { closeRedisClient, connectRedis, createGatewayRedisClient, createRedisEventLog, createRedisStores } from './stores/redis';
import { withCommandDeadlines } from './stores/redis/command-deadline';
import type { EmitTarget } from './types';

/**
 * What the emitter's appends carry as the log's length cap: none (Redis' XADD MAXLEN gets the
 * largest whole number, which never trims). `trim()` is never called on the emitter's log.
 */
const APPEND_ONLY: EventLogRetention = { retentionMs: DEFAULT_EVENT_LOG_RETENTION.retentionMs, maxEntries: Number.MAX_SAFE_INTEGER };

export interface GatewayEmitterOptions<E extends EventMap = EventMap, U extends RoomUser = RoomUser> {
  /** The app's events (name → Standard Schema), the same map the servers get. */
  events: E;
  /** The Redis every node of the app uses. */
  redisUrl: string;
  /** Must match the servers' key prefix (default `sg:`). */
  keyPrefix?: string;
  /** How long to wait for Redis before failing (default 10 s). */
  connectTimeoutMs?: number;
  /** The servers' room rules (the same `rooms` policy), for `enterRoom`, `postToRoom` and `roomHistory`. */
  rooms?: Partial<RoomPolicy<U>>;
  /** The servers' cap on rooms per user (default 50), for `enterRoom`. */
  maxRoomsPerUser?: number;
  /** The servers' room history length (default 100), for `postToRoom(…, { history: true })`. */
  roomHistoryLimit?: number;
  /** Check payloads against the event schemas before sending (default true: other processes are where mistakes hide). */
  validatePayloads?: boolean;
  /**
   * Largest payload an emit may carry, in bytes of JSON (default 64 KiB): match the servers' `maxEventBytes`.
   * Bigger emits are refused before anything is stored (event-bounds.ts).
   */
  maxEventBytes?: number;
  /** The servers' abandoned-history TTL (default 1 hour), for `exitRoom` of a room's last member. */
  abandonedHistoryTtlMs?: number;
}

export interface GatewayEmitter<E extends EventMap = EventMap, U extends RoomUser = RoomUser> extends SocketGateway<E, U> {
  /** Ends its Redis connection. */
  close(): Promise<void>;
}

/** Connects to Redis (failing with a clear message after `connectTimeoutMs`) and returns the emitter. */
export async function createGatewayEmitter<E extends EventMap, U extends RoomUser = RoomUser>(
  options: GatewayEmitterOptions<E, U>,
): Promise<GatewayEmitter<E, U>> {
  const {
    events,
    rooms,
    redisUrl,
    keyPrefix = 'sg:',
    connectTimeoutMs = 10_000,
    maxRoomsPerUser = 50,
    roomHistoryLimit = 100,
    validatePayloads = true,
    maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
    abandonedHistoryTtlMs,
  } = options;
  if (!Number.isSafeInteger(maxEventBytes) || maxEventBytes < 1)
    throw new RangeError(`maxEventBytes must be a whole number of at least 1, got ${maxEventBytes}`);
  assertEventMap(events);
  const roomPolicy = createRoomPolicy(rooms);
  const client = await connectRedis(createGatewayRedisClient(redisUrl), redisUrl, connectTimeoutMs);
  const storeOptions = { keyPrefix };
  const commands = withCommandDeadlines(client); // command-deadline.ts: a deadline per slice, not a timer per command
  const log = createRedisEventLog(commands, { ...storeOptions, retention: APPEND_ONLY });
  const parts = {
    target: new Emitter(client, { key: `${keyPrefix}socket.io` }) as unknown as EmitTarget,
    sink: createLogSink(log, undefined, events),
    stores: createRedisStores(commands, { ...storeOptions, abandonedHistoryTtlMs }),
    maxRoomsPerUser,
    roomHistoryLimit,
    validatePayloads,
    events,
    rooms: roomPolicy as RoomPolicy,
    maxEventBytes,
  };
  const emitter = new SocketGateway<E, U>(() => parts) as GatewayEmitter<E, U>;
  emitter.close = async () => {
    await log.close?.();
    await closeRedisClient(client);
  };
  return emitter;
}

export type { EmitPayload, EventMap, EventName, EventPayload, LibraryEvents, StandardSchemaV1 } from './event-map';
export type { EmitOptions, PostOptions, RoomHistory, RoomHistoryItem } from './gateway';
export type { RoomPolicy, RoomUser } from './rooms';
