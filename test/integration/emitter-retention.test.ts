/**
 * The emitter never trims the shared log (issue 19, item 5): its appends carried the log's default
 * MAXLEN (~100,000 entries), so a worker emitting into a log the servers were set to keep longer
 * cut it below their retention, and clients that were away got `resync` instead of what they missed.
 * Real redis-server; the servers' side of the log is a real Redis event log set to keep 1,000,000.
 */
import { expect, it } from 'vitest';
import { events } from '@/events';
import { createGatewayEmitter } from 'socket-gateway/emitter';
import { DEFAULT_EVENT_LOG_RETENTION } from 'socket-gateway/advanced';
import { createRedisEventLog } from 'socket-gateway/stores/redis';
import { useRedisServer } from '../helpers/redis-server';

const redis = useRedisServer();

it("an emitter's append keeps a log longer than the old default cap: the servers' retention decides", async () => {
  const { client, server } = redis;
  const keyPrefix = 'ret:';
  const { maxEntries } = DEFAULT_EVENT_LOG_RETENTION; // the cap the emitter used to append with
  const kept = maxEntries + 500; // whole stream nodes (100 entries each) past it: what MAXLEN ~ would drop
  // The servers keep up to 1,000,000 entries; they write `kept` of them.
  const serverLog = createRedisEventLog(client, { keyPrefix, retention: { retentionMs: 3_600_000, maxEntries: 1_000_000 } });
  const data = { id: 'x', from: 'server', message: 'x', sentAt: 0 };
  for (let written = 0; written < kept; written += 5_000) {
    const batch = Math.min(5_000, kept - written);
    await Promise.all(Array.from({ length: batch }, () => serverLog.append({ to: { kind: 'user', userId: 'bob' }, event: 'notification', data })));
  }
  expect(await client.xLen(`${keyPrefix}log`)).toBe(kept);

  const emitter = await createGatewayEmitter({ events, redisUrl: server.url, keyPrefix });
  try {
    await emitter.emitToUser('bob', 'notification', { id: 'from-worker', from: 'worker', message: 'done', sentAt: Date.now() });
  } finally {
    await emitter.close();
  }
  expect(await client.xLen(`${keyPrefix}log`)).toBe(kept + 1);
  await serverLog.close?.();
}, 120_000);
