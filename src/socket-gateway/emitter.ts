/**
 * Emits from any process: a worker, a cron job, a Next.js route handler on a serverless
 * platform. The same typed API as `gateway` (emits, room moves, disconnectUser,
 * revokeUserSockets, presence), with no Socket.IO server and no Next import in its module
 * graph: emits are appended to the shared event log in Redis (every node delivers them, and
 * replays them to clients that were away), room moves and disconnects travel through the
 * official Redis emitter to the nodes' Redis adapter.
 * @see https://socket.io/docs/v4/redis-adapter/#emitter
 */
import { Emitter } from '@socket.io/redis-emitter';
import { DEFAULT_MAX_EVENT_BYTES } from './event-bounds';
import { SocketGateway } from './gateway';
import { createLogSink } from './sinks';
import {
  connectRedis,
  createGatewayRedisClient,
  createRedisEventLog,
  createRedisMembershipStore,
  createRedisPresenceStore,
  createRedisRateLimitStore,
  createRedisRevocationStore,
  createRedisRoomHistoryStore,
} from './stores/redis';
import type { EmitTarget } from './types';

export interface GatewayEmitterOptions {
  /** The Redis every node of the app uses (REDIS_URL). */
  redisUrl: string;
  /** Must match the servers' REDIS_KEY_PREFIX (default `sg:`). */
  keyPrefix?: string;
  /** How long to wait for Redis before failing (default 10 s). */
  connectTimeoutMs?: number;
  /** The servers' MAX_ROOMS_PER_USER (default 50), for `enterRoom`. */
  maxRoomsPerUser?: number;
  /** The servers' ROOM_HISTORY_MAX_MESSAGES (default 100), for `postToRoom(…, { history: true })`. */
  roomHistoryLimit?: number;
  /** Check payloads against the event schemas before sending (default true: other processes are where mistakes hide). */
  validatePayloads?: boolean;
  /**
   * Largest payload an emit may carry, in bytes of JSON (default 64 KiB): match the servers' EVENT_MAX_BYTES.
   * Bigger emits are refused before anything is stored (event-bounds.ts).
   */
  maxEventBytes?: number;
  /** The servers' ROOM_HISTORY_ABANDONED_TTL_MS (default 1 hour), for `exitRoom` of a room's last member. */
  abandonedHistoryTtlMs?: number;
}

export interface GatewayEmitter extends SocketGateway {
  /** Ends its Redis connection. */
  close(): Promise<void>;
}

/** Connects to Redis (failing with a clear message after `connectTimeoutMs`) and returns the emitter. */
export async function createGatewayEmitter(options: GatewayEmitterOptions): Promise<GatewayEmitter> {
  const {
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
  const client = await connectRedis(createGatewayRedisClient(redisUrl), redisUrl, connectTimeoutMs);
  const storeOptions = { keyPrefix };
  const log = createRedisEventLog(client, storeOptions);
  const parts = {
    target: new Emitter(client, { key: `${keyPrefix}socket.io` }) as unknown as EmitTarget,
    sink: createLogSink(log),
    stores: {
      membership: createRedisMembershipStore(client, { ...storeOptions, abandonedHistoryTtlMs }),
      revocations: createRedisRevocationStore(client, storeOptions),
      rateLimits: createRedisRateLimitStore(client, storeOptions),
      presence: createRedisPresenceStore(client, storeOptions),
      history: createRedisRoomHistoryStore(client, storeOptions),
    },
    maxRoomsPerUser,
    roomHistoryLimit,
    validatePayloads,
    maxEventBytes,
  };
  const emitter = new SocketGateway(() => parts) as GatewayEmitter;
  emitter.close = async () => {
    await log.close?.();
    await client.close().catch(() => client.destroy());
  };
  return emitter;
}

export type * from './events';
