/**
 * The demo's realtime layer: its parsed settings (src/env.ts) mapped to the options of
 * `createSocketGateway`, which picks and wires the backend itself.
 *
 * - No REDIS_URL: one node on the embedded database (SQLite, `DATABASE_PATH`), so a restart loses nothing.
 * - REDIS_URL: every node uses that Redis for the same state, and the official Redis adapter
 *   carries room operations across nodes.
 */
import type { Server as HttpServer } from 'node:http';
import type { Env } from '@/env';
import { events } from '@/events';
import { addressKey, clientAddress } from '@/server/http/client-address';
import { provideEventStreams } from '@/server/event-streams';
import { socketTokenSecret } from '@/server/socket-secret';
import { createSocketGateway, type GatewayLogger, type SocketGatewayInstance } from 'socket-gateway';
import { getLogger, type SocketServerHandle } from 'socket-gateway/advanced';

export interface Realtime {
  sockets: SocketServerHandle;
  mode: 'embedded' | 'redis';
  gateway: SocketGatewayInstance<typeof events>['gateway'];
  /** Whether each dependency answers now (for /api/health). */
  dependencies(): Record<string, 'up' | 'down'>;
  /** Graceful shutdown, step 1: refuse new handshakes and disconnect every socket. */
  drain(): void;
  /** Stops the socket server and releases the stores and connections. */
  close(): Promise<void>;
}

/** The settings, as gateway options. */
export function realtimeOptions(env: Env, logger: GatewayLogger) {
  return {
    events,
    secret: socketTokenSecret(env),
    ...(env.redis
      ? { redisUrl: env.redis.url, redis: { keyPrefix: env.redis.keyPrefix, connectTimeoutMs: env.redis.connectTimeoutMs } }
      : { database: env.databasePath }),
    rooms: { maxPerUser: env.maxRoomsPerUser, historyLimit: env.roomHistoryLimit, abandonedHistoryTtlMs: env.roomHistoryAbandonedTtlMs },
    limits: {
      ...env.socket,
      maxEventBytes: env.maxEventBytes,
      handshake: env.handshake,
      handshakeRate: env.rateLimits.handshake,
    },
    presence: { graceMs: env.presenceGraceMs, nodeLossGraceMs: env.presenceNodeLossGraceMs },
    eventLog: { maxEntries: env.eventLog.maxEntries, maxAgeMs: env.eventLog.retentionMs },
    token: { ttlSeconds: env.socketToken.ttlSeconds },
    logger,
    validatePayloads: env.nodeEnv !== 'production',
    addressOf: (req: Parameters<typeof clientAddress>[0]) => addressKey(clientAddress(req, env.trustProxy)),
  };
}

export async function createRealtime(httpServer: HttpServer, env: Env, logger: GatewayLogger = getLogger()): Promise<Realtime> {
  const realtime = createSocketGateway(realtimeOptions(env, logger));
  try {
    await realtime.attach(httpServer);
  } catch (error) {
    await realtime.close().catch(() => undefined);
    throw error;
  }
  // The events subscription (SSE) of this node follows the same log and stores (src/server/event-streams.ts).
  const sockets = realtime.sockets!;
  const eventStreams = provideEventStreams(sockets.log, sockets.stores, env);
  return {
    sockets,
    mode: realtime.mode === 'redis' ? 'redis' : 'embedded',
    gateway: realtime.gateway,
    dependencies: () => realtime.dependencies(),
    drain: () => realtime.drain(),
    async close() {
      await eventStreams.close();
      await realtime.close();
    },
  };
}
