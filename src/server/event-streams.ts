/**
 * The app's side of the events subscription (`socket.events`, server-sent events over tRPC): where
 * its streams read the event log, in either way the app runs.
 *
 * - Through server.ts (`npm start`, `npm run dev`): the socket server's own log and stores
 *   (realtime.ts calls `provideEventStreams`), so a socket client and an SSE client of this node
 *   follow the same log, one reader each.
 * - Under `next start` alone (no server.ts; a platform that runs only Next), with REDIS_URL: on the
 *   first request that needs it, this process connects to Redis and registers a gateway runtime
 *   with no Socket.IO server (emits go to the Redis log, socket moves and disconnects through the
 *   Redis emitter to whichever nodes run sockets, if any), so procedures emit as usual and the
 *   streams are served from the same log. It also trims the log, as a socket server does (the
 *   emitter never does: every Next-only instance would otherwise leave the log unbounded).
 * Without Redis and without server.ts there is no log to share: the subscription answers
 * TEMPORARILY_UNAVAILABLE-style errors, as every emitting procedure already does.
 */
import { Emitter } from '@socket.io/redis-emitter';
import { events } from '@/events';
import { getEnv, type Env } from '@/env';
import {
  createLogSink,
  findGatewayRuntime,
  getLogger,
  registerGatewayRuntime,
  type EmitTarget,
  type EventLog,
  type GatewayStores,
} from 'socket-gateway/advanced';
import { createEventStreams, type EventStreams } from 'socket-gateway/trpc';
import {
  closeRedisClient,
  connectRedis,
  createGatewayRedisClient,
  createRedisEventLog,
  createRedisStores,
  withCommandDeadlines,
  type GatewayRedisClient,
} from 'socket-gateway/stores/redis';
import { appSlot } from './process-holder';

export interface AppEventStreams {
  streams: EventStreams;
  stores: Pick<GatewayStores, 'membership' | 'revocations' | 'rateLimits'>;
  close(): Promise<void>;
}

const slot = appSlot<Promise<AppEventStreams>>('eventStreams');

/** How often a Next-only instance trims the shared log and checks the revocation store (a socket server: every 5 s). */
const LOG_TRIM_INTERVAL_MS = 5_000;

function streamsOver(log: EventLog, stores: AppEventStreams['stores'], env: Env): EventStreams {
  return createEventStreams({
    log,
    membership: stores.membership,
    maxStreamsPerUser: env.sse.maxStreamsPerUser,
    onError: (error) => getLogger().warn({ event: 'background_error', error: `event streams: ${error.message}` }, `event streams: ${error.message}`),
  });
}

/** server.ts: the socket server's log and stores serve the subscription too. */
export function provideEventStreams(log: EventLog, stores: GatewayStores, env: Env): AppEventStreams {
  const streams = streamsOver(log, stores, env);
  const provided: AppEventStreams = { streams, stores, close: () => streams.close() };
  slot.set(Promise.resolve(provided));
  return provided;
}

/** The streams of this process, starting the Next-only Redis runtime on first use where server.ts did not run. */
export function getEventStreams(): Promise<AppEventStreams> {
  const existing = slot.get();
  if (existing) return existing;
  const env = getEnv();
  if (!env.redis) return Promise.reject(new Error('No event log to stream: run the app through server.ts, or set REDIS_URL'));
  const started = startNextOnly(env.redis, env).catch((error: unknown) => {
    slot.clear(); // the next request tries again
    throw error;
  });
  slot.set(started);
  return started;
}

/**
 * Route handlers call this first: where no socket server runs in this process (`next start`) and
 * REDIS_URL is set, the gateway runtime comes up on Redis, so `gateway.*` works in procedures and
 * sign-outs are recorded. A no-op where a runtime is registered (server.ts) or without Redis.
 */
export async function ensureNextOnlyRealtime(): Promise<void> {
  if (findGatewayRuntime() || !getEnv().redis) return;
  // Redis unreachable: the request goes on, and whatever needs the gateway answers "temporarily unavailable" as before.
  await getEventStreams().catch((error: Error) =>
    getLogger().warn({ event: 'next_only_realtime_failed', error: error.message }, `> Realtime on Redis could not start: ${error.message}`),
  );
}

async function startNextOnly(redis: NonNullable<Env['redis']>, env: Env): Promise<AppEventStreams> {
  const client: GatewayRedisClient = await connectRedis(createGatewayRedisClient(redis.url), redis.url, redis.connectTimeoutMs);
  const connected: GatewayRedisClient[] = [client];
  try {
    // Each log subscription blocks on XREAD on a connection it opens itself (client.duplicate()).
    const options = { keyPrefix: redis.keyPrefix };
    const commands = withCommandDeadlines(client); // a deadline per slice, not node-redis's timer per command
    const log = createRedisEventLog(commands, { ...options, retention: env.eventLog });
    const stores: GatewayStores = createRedisStores(commands, { ...options, abandonedHistoryTtlMs: env.roomHistoryAbandonedTtlMs });
    if (!findGatewayRuntime()) {
      registerGatewayRuntime({
        // Socket moves and disconnects reach the nodes that run sockets (if any) through their Redis adapter.
        target: new Emitter(client, { key: `${redis.keyPrefix}socket.io` }) as unknown as EmitTarget,
        sink: createLogSink(log, getLogger, events),
        events,
        stores,
        maxRoomsPerUser: env.maxRoomsPerUser,
        roomHistoryLimit: env.roomHistoryLimit,
        validatePayloads: env.nodeEnv !== 'production',
        maxEventBytes: env.maxEventBytes,
        dependencies: () => ({ redis: connected.every((c) => c.isReady) ? 'up' : 'down' }),
      });
    }
    // As a socket server's heartbeat does: the revocation store checks it still holds its data (a
    // flushed Redis raises the global not-before now, at start-up, not at some later first read).
    await stores.revocations.check();
    const trimTimer = setInterval(() => void Promise.all([log.trim(), stores.revocations.check()]).catch(() => {}), LOG_TRIM_INTERVAL_MS);
    trimTimer.unref();
    const streams = streamsOver(log, stores, env);
    getLogger().info({ event: 'next_only_realtime', mode: 'redis' }, '> Realtime without a socket server: emits and event streams on Redis');
    return {
      streams,
      stores,
      async close() {
        clearInterval(trimTimer);
        await streams.close();
        await log.close?.();
        await Promise.all(connected.map((c) => closeRedisClient(c)));
      },
    };
  } catch (error) {
    for (const c of connected) c.destroy();
    throw error;
  }
}
