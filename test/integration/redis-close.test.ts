/**
 * Closing the gateway's Redis connections never hangs (closeRedisClient). node-redis's `close()`
 * waits until every queued command has its reply: CI saw `realtime.close()` hang after a Redis
 * restart, on the adapter's subscriber (reconnecting, with its re-subscription queued). Replayed
 * against a real redis-server: one that stops answering (SIGSTOP) with a command in flight, and
 * one that is gone while the connection reconnects.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE_TIMEOUT_MS, closeRedisClient, connectRedis, createGatewayRedisClient } from 'socket-gateway/stores/redis';
import { startRedisServer } from '../helpers/redis-server';

/** How long `work` took, or `Infinity` if it did not end within `boundMs`. */
async function timed(work: Promise<unknown>, boundMs: number): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([work.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), boundMs)))]);
  clearTimeout(timer);
  return ended ? Date.now() - started : Number.POSITIVE_INFINITY;
}

describe('closing a Redis connection', () => {
  it('whose Redis stopped answering, with a command in flight: cut after the close timeout, the command rejected', async () => {
    const redis = await startRedisServer();
    const client = await connectRedis(createGatewayRedisClient(redis.url), redis.url, 5_000);
    try {
      redis.pause();
      const inFlight = client.get('k').then(
        () => 'answered',
        (error: Error) => error.message,
      );
      await new Promise((resolve) => setTimeout(resolve, 50)); // written: waiting for a reply that cannot come
      const tookMs = await timed(closeRedisClient(client), CLOSE_TIMEOUT_MS + 3_000);
      expect(tookMs).toBeGreaterThanOrEqual(CLOSE_TIMEOUT_MS - 50);
      expect(tookMs).toBeLessThan(CLOSE_TIMEOUT_MS + 1_000);
      expect(await inFlight).not.toBe('answered');
      expect(client.isOpen).toBe(false);
    } finally {
      redis.resume();
      await redis.stop();
    }
  });

  it('that is reconnecting (Redis gone): at once', async () => {
    const redis = await startRedisServer();
    const client = await connectRedis(createGatewayRedisClient(redis.url), redis.url, 5_000);
    await client.subscribe('news', () => undefined); // pub/sub mode, as the adapter's subscriber
    await redis.stop();
    await expect.poll(() => client.isReady).toBe(false);
    expect(await timed(closeRedisClient(client), 5_000)).toBeLessThan(500);
    expect(client.isOpen).toBe(false);
  });

  it('that is connected and idle: a clean close', async () => {
    const redis = await startRedisServer();
    try {
      const client = await connectRedis(createGatewayRedisClient(redis.url), redis.url, 5_000);
      await client.set('k', 'v');
      expect(await timed(closeRedisClient(client), 5_000)).toBeLessThan(500);
      expect(client.isOpen).toBe(false);
    } finally {
      await redis.stop();
    }
  });
});
