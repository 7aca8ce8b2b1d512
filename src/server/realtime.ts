/**
 * The composition root of the realtime parts: from the parsed settings it builds the stores,
 * the event log and the Socket.IO options, and hands them to `createSocketServer`.
 *
 * - No REDIS_URL: one node; memberships, sign-outs, room history and the event log live in an embedded
 *   database (SQLite, `DATABASE_PATH`), so a restart loses nothing.
 * - REDIS_URL: every node uses that Redis for the same state, the official Redis adapter
 *   carries room operations across nodes, and presence and rate limits are shared there.
 */
import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Env } from '@/env';
import { addressKey, clientAddress } from '@/server/http/client-address';
import { provideEventStreams } from '@/server/event-streams';
import { reportPublishFailures } from '@/server/redis-publisher';
import {
  createMetricsSampler,
  createMemoryPresenceStore,
  createThrottle,
  createMemoryRateLimitStore,
  createSocketServer,
  getLogger,
  getMetrics,
  registerMetricsSampler,
  unregisterMetricsSampler,
  type EventLog,
  type GatewayStores,
  type SampleBoard,
  type SocketServerHandle,
} from '@/socket-gateway';
import {
  connectRedis,
  createGatewayRedisClient,
  createRedisEventLog,
  createRedisMembershipStore,
  createRedisPresenceStore,
  createRedisRateLimitStore,
  createRedisRevocationStore,
  createRedisRoomHistoryStore,
  createRedisSampleBoard,
  type GatewayRedisClient,
} from '@/socket-gateway/stores/redis';
import {
  createSqliteEventLog,
  createSqliteMembershipStore,
  createSqliteRevocationStore,
  createSqliteRoomHistoryStore,
  openDatabase,
} from '@/socket-gateway/stores/sqlite';

export interface Realtime {
  sockets: SocketServerHandle;
  mode: 'embedded' | 'redis';
  /** Whether each dependency answers now (for /api/health). */
  dependencies(): Record<string, 'up' | 'down'>;
  /** Graceful shutdown, step 1: refuse new handshakes and disconnect every socket. */
  drain(): void;
  /** Stops the socket server and releases the stores and connections. */
  close(): Promise<void>;
}

interface Backend {
  stores: GatewayStores;
  log: EventLog;
  adapter?: ReturnType<typeof createAdapter>;
  /** Where the dashboard's samples of every node meet (cluster mode only). */
  sampleBoard?: SampleBoard;
  dependencies(): Record<string, 'up' | 'down'>;
  close(): Promise<void>;
}

function embeddedBackend(env: Env): Backend {
  const db = openDatabase(env.databasePath);
  return {
    stores: {
      membership: createSqliteMembershipStore(db, { abandonedHistoryTtlMs: env.roomHistoryAbandonedTtlMs }),
      revocations: createSqliteRevocationStore(db),
      rateLimits: createMemoryRateLimitStore(),
      presence: createMemoryPresenceStore(),
      history: createSqliteRoomHistoryStore(db),
    },
    log: createSqliteEventLog(db, env.eventLog),
    dependencies: () => ({}),
    async close() {
      db.close();
    },
  };
}

/** A cross-node publish that failed: counted, and logged once per distinct message per 10 s (a Redis outage fails every one). */
function createPublishFailureReporter(): (error: Error) => void {
  const throttle = createThrottle();
  return (error) => {
    getMetrics().redisErrors.inc();
    const message = error.message || error.name;
    throttle(`publish:${message}`, (suppressed) =>
      getLogger().error(
        { event: 'background_error', error: `adapter publish: ${message}`, ...(suppressed ? { suppressed } : {}) },
        `socket-gateway: adapter publish failed: ${message}`,
      ),
    );
  };
}

async function redisBackend(redis: NonNullable<Env['redis']>, env: Env, onStateChange: (state: 'up' | 'down', detail?: string) => void): Promise<Backend> {
  const onPublishFailure = createPublishFailureReporter();
  const timeout = redis.connectTimeoutMs;
  const client = await connectRedis(createGatewayRedisClient(redis.url), redis.url, timeout, onStateChange);
  const connected: GatewayRedisClient[] = [client];
  try {
    // The adapter needs its own publisher and a subscriber (a connection in pub/sub mode serves nothing else).
    const pub = await connectRedis(client.duplicate(), redis.url, timeout);
    connected.push(pub);
    const sub = await connectRedis(client.duplicate(), redis.url, timeout);
    connected.push(sub);
    // The log reader blocks on XREAD: it gets a connection of its own.
    const blocking = await connectRedis(client.duplicate(), redis.url, timeout);
    connected.push(blocking);
    const options = { keyPrefix: redis.keyPrefix };
    return {
      stores: {
        membership: createRedisMembershipStore(client, { ...options, abandonedHistoryTtlMs: env.roomHistoryAbandonedTtlMs }),
        revocations: createRedisRevocationStore(client, options),
        rateLimits: createRedisRateLimitStore(client, options),
        presence: createRedisPresenceStore(client, options),
        history: createRedisRoomHistoryStore(client, options),
      },
      log: createRedisEventLog(client, { ...options, retention: env.eventLog, blockingClient: blocking }),
      adapter: createAdapter(reportPublishFailures(pub, onPublishFailure), sub, { key: `${redis.keyPrefix}socket.io` }),
      sampleBoard: createRedisSampleBoard(client, options),
      dependencies: () => ({ redis: connected.every((c) => c.isReady) ? 'up' : 'down' }),
      async close() {
        await Promise.all(connected.map((c) => c.close().catch(() => c.destroy())));
      },
    };
  } catch (error) {
    for (const c of connected) c.destroy();
    throw error;
  }
}

export async function createRealtime(httpServer: HttpServer, env: Env): Promise<Realtime> {
  const logger = getLogger();
  /** Set once the socket server exists (Redis can only go down and come back after that). */
  const presence: { restore?: () => Promise<void> } = {};
  const onRedisState = (state: 'up' | 'down', detail?: string) => {
    logger[state === 'down' ? 'warn' : 'info'](
      { event: 'redis_state', state, ...(detail ? { detail } : {}) },
      `> Redis ${state}${detail ? `: ${detail}` : ''}`,
    );
    // Back after an outage: Redis may have restarted empty, or missed the disconnects meanwhile.
    if (state === 'up')
      presence.restore?.().catch((error: Error) => logger.error({ event: 'presence_restore_failed' }, `> Redis: could not restore presence: ${error.message}`));
  };
  const backend = env.redis ? await redisBackend(env.redis, env, onRedisState) : embeddedBackend(env);
  const sockets = createSocketServer(httpServer, {
    ...env.socket,
    stores: backend.stores,
    log: backend.log,
    adapter: backend.adapter,
    dependencies: () => backend.dependencies(),
    maxRoomsPerUser: env.maxRoomsPerUser,
    roomHistoryLimit: env.roomHistoryLimit,
    maxEventBytes: env.maxEventBytes,
    validatePayloads: env.nodeEnv !== 'production',
    handshakeLimits: env.handshake,
    addressKeyOf: (req) => addressKey(clientAddress(req, env.trustProxy)),
  });
  presence.restore = sockets.restorePresence;
  await sockets.ready;
  // The events subscription (SSE) of this node follows the same log (src/server/event-streams.ts).
  const eventStreams = provideEventStreams(backend.log, backend.stores, env);
  // The admin dashboard's samples (metrics-sampler.ts): this node's, every second, shared through Redis in cluster mode.
  const throttle = createThrottle();
  const sampler = createMetricsSampler({
    nodeId: sockets.nodeId,
    board: backend.sampleBoard,
    onError: (error) =>
      throttle('metrics_sampler', (suppressed) => logger.warn({ event: 'metrics_sampler_failed', suppressed }, `> Dashboard samples: ${error.message}`)),
  });
  registerMetricsSampler(sampler);
  sampler.start();
  return {
    sockets,
    mode: env.redis ? 'redis' : 'embedded',
    dependencies: () => backend.dependencies(),
    drain: () => sockets.drain(),
    async close() {
      sampler.close();
      unregisterMetricsSampler(sampler);
      await eventStreams.close();
      await sockets.close();
      await backend.log.close?.();
      await backend.close();
    },
  };
}
