/**
 * The Redis backend (`redisUrl`): every node uses that Redis for the same state (memberships,
 * sign-outs, rate limits, presence, room history, the event log, the dashboard's samples), and
 * the official Redis adapter carries room operations across nodes.
 * @see https://socket.io/docs/v4/redis-adapter/
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { createThrottle, type GatewayLogger } from '../observability/logger';
import { getMetrics } from '../observability/metrics';
import { closeRedisClient, connectRedis, createGatewayRedisClient, type GatewayRedisClient } from '../stores/redis/connection';
import { withCommandDeadlines } from '../stores/redis/command-deadline';
import { createRedisEventLog } from '../stores/redis/event-log';
import { createRedisSampleBoard } from '../stores/redis/node-samples';
import { createRedisStores } from '../stores/redis/stores';
import { reportPublishFailures } from './redis-publisher';
import type { Backend, BackendOptions } from './types';

export interface RedisBackendOptions extends BackendOptions {
  url: string;
  keyPrefix: string;
  connectTimeoutMs: number;
  logger: GatewayLogger;
  /** Told when the connection goes down and comes back (after start-up). */
  onStateChange?: (state: 'up' | 'down', detail?: string) => void;
}

/** A cross-node publish that failed: counted, and logged once per distinct message per 10 s (a Redis outage fails every one). */
function createPublishFailureReporter(logger: GatewayLogger): (error: Error) => void {
  const throttle = createThrottle();
  return (error) => {
    getMetrics().redisErrors.inc();
    const message = error.message || error.name;
    throttle(`publish:${message}`, (suppressed) =>
      logger.error(
        { event: 'background_error', error: `adapter publish: ${message}`, ...(suppressed ? { suppressed } : {}) },
        `socket-gateway: adapter publish failed: ${message}`,
      ),
    );
  };
}

/** Connects (each connection waits at most `connectTimeoutMs`) and builds every piece on Redis. */
export async function createRedisBackend(options: RedisBackendOptions): Promise<Backend> {
  const { url, keyPrefix, connectTimeoutMs: timeout, retention, abandonedHistoryTtlMs } = options;
  const onPublishFailure = createPublishFailureReporter(options.logger);
  const client = await connectRedis(createGatewayRedisClient(url), url, timeout, options.onStateChange);
  const connected: GatewayRedisClient[] = [client];
  try {
    // The adapter needs its own publisher and a subscriber (a connection in pub/sub mode serves nothing else).
    const pub = await connectRedis(client.duplicate(), url, timeout);
    connected.push(pub);
    const sub = await connectRedis(client.duplicate(), url, timeout);
    connected.push(sub);
    const prefixed = { keyPrefix };
    // The stores' commands (every handshake, emit and join) with a shared deadline per slice
    // instead of node-redis's timer per command (command-deadline.ts).
    const commands = withCommandDeadlines(client);
    return {
      mode: 'redis',
      stores: createRedisStores(commands, { keyPrefix, abandonedHistoryTtlMs }),
      // Each log subscription (the socket delivery, the SSE streams) blocks on XREAD on a connection it
      // opens itself (client.duplicate()) and closes at once on stop, even while Redis is away.
      log: createRedisEventLog(commands, { ...prefixed, retention }),
      adapter: createAdapter(reportPublishFailures(pub, onPublishFailure), sub, { key: `${keyPrefix}socket.io` }),
      sampleBoard: createRedisSampleBoard(commands, prefixed),
      dependencies: () => ({ redis: connected.every((c) => c.isReady) ? 'up' : 'down' }),
      async close() {
        await Promise.all(connected.map((c) => closeRedisClient(c)));
      },
    };
  } catch (error) {
    for (const c of connected) c.destroy();
    throw error;
  }
}
