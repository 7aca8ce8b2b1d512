/**
 * Redis command latency and errors (issue 13) against a real redis-server: a connection made by
 * connectRedis times each command into socket_gateway_redis_command_duration_seconds under its
 * name (a fixed set, "other" for the rest), leaves blocking reads out, counts failed commands,
 * and socket_gateway_redis_errors_total moves when Redis goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMetrics } from 'socket-gateway/advanced';
import { commandLabel } from '@/socket-gateway/observability/redis-command-metrics';
import { connectRedis, createGatewayRedisClient, createRedisRevocationStore, type GatewayRedisClient } from 'socket-gateway/stores/redis';
import { startRedisServer, type RedisServer } from '../helpers/redis-server';
import { settle } from '../helpers/socket-server';

let redis: RedisServer;
let client: GatewayRedisClient;
beforeAll(async () => {
  redis = await startRedisServer();
  client = await connectRedis(createGatewayRedisClient(redis.url), redis.url, 5_000);
});
afterAll(async () => {
  client?.destroy();
  await redis?.stop();
});

/** Observations in the histogram for `command` (its _count). */
async function observed(command: string): Promise<number> {
  const { values } = await getMetrics().redisCommandDuration.get();
  return values.find((v) => v.metricName?.endsWith('_count') && v.labels.command === command)?.value ?? 0;
}
async function failed(command: string): Promise<number> {
  const { values } = await getMetrics().redisCommandErrors.get();
  return values.find((v) => v.labels.command === command)?.value ?? 0;
}
const redisErrors = async () => (await getMetrics().redisErrors.get()).values[0]?.value ?? 0;

describe('redis command metrics', () => {
  it('times every command under its name; a store script counts as EVALSHA (and EVAL on first use)', async () => {
    const [get, evalSha, other] = [await observed('GET'), await observed('EVALSHA'), await observed('other')];
    await client.set('k', 'v');
    await Promise.all([client.get('k'), client.get('k'), client.get('missing')]);
    const store = createRedisRevocationStore(client, { keyPrefix: 'rcm:' });
    await store.revoke('alice', Date.now());
    await store.revoke('bob', Date.now());
    await client.hSet('h', 'f', '1');
    expect((await observed('GET')) - get).toBe(3);
    // The first revoke finds no script (NOSCRIPT, then EVAL); the second runs by SHA.
    expect((await observed('EVALSHA')) - evalSha).toBe(2);
    expect(await observed('EVAL')).toBeGreaterThanOrEqual(1);
    expect((await observed('other')) - other).toBe(1);
    const { values } = await getMetrics().redisCommandDuration.get();
    const sum = values.find((v) => v.metricName?.endsWith('_sum') && v.labels.command === 'GET')!.value;
    expect(sum).toBeGreaterThan(0);
    // Bounded labels: command names only, never a key or an argument.
    expect(new Set(values.map((v) => v.labels.command)).has('k')).toBe(false);
  });

  it('leaves blocking reads out, and times a non-blocking one', async () => {
    const before = await observed('XREAD');
    await client.xAdd('s', '*', { a: '1' });
    await client.xRead({ key: 's', id: '0' }, { BLOCK: 10, COUNT: 1 });
    await client.xRead({ key: 's', id: '0' }, { COUNT: 1 });
    expect((await observed('XREAD')) - before).toBe(1);
  });

  it('labels a command outside the fixed set "other"', () => {
    expect(commandLabel('EVALSHA')).toBe('EVALSHA');
    expect(commandLabel('FLUSHALL')).toBe('other');
    expect(commandLabel('user:alice')).toBe('other');
  });

  it('counts a failed command, and a lost connection in redis_errors_total', async () => {
    const wrongType = await failed('GET');
    await client.hSet('hash', 'f', '1');
    await expect(client.get('hash')).rejects.toThrow(/WRONGTYPE/);
    expect((await failed('GET')) - wrongType).toBe(1);

    const errorsBefore = await redisErrors();
    await redis.stop();
    for (let i = 0; i < 100 && client.isReady; i++) await settle(20);
    expect(client.isReady).toBe(false);
    const offline = await failed('GET');
    await expect(client.get('k')).rejects.toThrow();
    expect((await failed('GET')) - offline).toBe(1);
    expect(await redisErrors()).toBeGreaterThan(errorsBefore);
  });
});
