/**
 * Connecting to Redis for the gateway (servers and emitters alike): bounded wait at start-up,
 * then reconnecting forever with backoff; while disconnected, commands fail at once instead of
 * queueing, so an emit that cannot reach Redis rejects to its caller (never a silent drop, never
 * a call that hangs until Redis is back).
 * @see https://github.com/redis/node-redis/blob/master/docs/client-configuration.md
 */
import { createClient } from 'redis';
import { getMetrics } from '../../observability/metrics';
import { observeRedisCommands } from '../../observability/redis-command-metrics';

export type GatewayRedisClient = ReturnType<typeof createClient>;

export interface RedisConnectionOptions {
  url: string;
  /** How long start-up waits for Redis before giving up with a clear message. */
  connectTimeoutMs?: number;
  /** Told about connection state changes (down / up again). */
  onStateChange?: (state: 'up' | 'down', detail?: string) => void;
}

export function createGatewayRedisClient(url: string): GatewayRedisClient {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 5_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) + Math.floor(Math.random() * 100) },
  });
}

/** Connects `client`, waiting at most `timeoutMs`; throws a message naming the URL (without its password). */
export async function connectRedis(
  client: GatewayRedisClient,
  url: string,
  timeoutMs: number,
  onStateChange?: RedisConnectionOptions['onStateChange'],
): Promise<GatewayRedisClient> {
  // Command latency and failures of every client of this process (once; redis-command-metrics.ts).
  observeRedisCommands();
  let lastError = '';
  const onError = (error: Error) => {
    lastError = error.message;
  };
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch {
    client.destroy();
    throw new Error(
      `Redis at ${redactUrl(url)} did not answer within ${timeoutMs} ms${lastError ? ` (${lastError})` : ''}. Start it, or leave Redis out to run one node (memory or an embedded database).`,
    );
  } finally {
    clearTimeout(timer);
  }
  let down = false;
  client.on('error', (error: Error) => {
    getMetrics().redisErrors.inc();
    if (!down) onStateChange?.('down', error.message);
    down = true;
  });
  client.on('ready', () => {
    if (down) onStateChange?.('up');
    down = false;
  });
  return client;
}

/** How long `closeRedisClient` waits for a connection's commands in flight before it cuts the connection. */
export const CLOSE_TIMEOUT_MS = 2_000;

/**
 * Closes a connection without hanging: one that is connected gets `close()` (its commands in
 * flight answered) for at most `timeoutMs`, then is destroyed; one that is not (Redis away, or
 * still reconnecting) is destroyed at once. node-redis's `close()` waits for replies until the
 * queue is empty, also on a connection that is reconnecting with a command queued (the adapter's
 * subscriber re-subscribing after a Redis restart), or whose Redis stopped answering: for ever
 * (a shutdown hung in CI that way).
 * @see https://github.com/redis/node-redis/blob/master/packages/client/lib/client/index.ts (close)
 */
export async function closeRedisClient(client: Pick<GatewayRedisClient, 'isReady' | 'close' | 'destroy'>, timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
  if (!client.isReady) {
    client.destroy();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    client.close().then(
      () => true,
      () => false,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  // Not closed in time: `isOpen` is already false (close() stops reconnecting), so cut it regardless.
  if (!closed) client.destroy();
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
