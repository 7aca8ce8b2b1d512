import type { NodeSample, NodeSeries, SampleBoard } from '../../metrics-sampler';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';

/** How long a node's samples outlive its last publish: a stopped node leaves the dashboard after this. */
export const DEFAULT_SAMPLES_TTL_MS = 5_000;

/**
 * KEYS: the index (ZSET nodeId → expiry, epoch ms), the node's samples. ARGV: nodeId, samples JSON, ttlMs, now (epoch ms).
 * Writes the node's samples with a TTL, and forgets the index entries of nodes whose samples expired.
 */
const PUBLISH_SCRIPT = defineLuaScript(`
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], tonumber(ARGV[4]) + tonumber(ARGV[3]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
return 1
`);

/** KEYS: the index. ARGV: now (epoch ms). Replies the ids of the nodes whose samples have not expired. */
const LIVE_NODES_SCRIPT = defineLuaScript(`
return redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
`);

const SAMPLE_KEYS = ['t', 'sockets', 'users', 'emitted', 'deliveries', 'replays', 'resyncs'] as const;

function isSample(value: unknown): value is NodeSample {
  return typeof value === 'object' && value !== null && SAMPLE_KEYS.every((key) => typeof (value as Record<string, unknown>)[key] === 'number');
}

/**
 * The dashboard's samples of every node, in Redis, for the live dashboard (metrics-sampler.ts):
 *
 *   ${p}metrics:node:${nodeId}  STRING  the node's latest samples (JSON), expiring ttlMs after its last publish
 *   ${p}metrics:nodes           ZSET    nodeId → when its samples expire (epoch ms): which keys to read, without SCAN
 *
 * `client` must be connected; the board does not own it.
 */
export function createRedisSampleBoard(
  client: RedisStoreClient,
  { keyPrefix, ttlMs = DEFAULT_SAMPLES_TTL_MS }: RedisStoreOptions & { ttlMs?: number },
): SampleBoard {
  const index = `${keyPrefix}metrics:nodes`;
  const nodeKey = (nodeId: string) => `${keyPrefix}metrics:node:${nodeId}`;
  return {
    async publish(series) {
      await PUBLISH_SCRIPT.run(client, [index, nodeKey(series.nodeId)], [series.nodeId, JSON.stringify(series.samples), String(ttlMs), String(Date.now())]);
    },
    async read() {
      const reply = await LIVE_NODES_SCRIPT.run(client, [index], [String(Date.now())]);
      const nodeIds = Array.isArray(reply) ? reply.filter((id): id is string => typeof id === 'string') : [];
      const stored = await Promise.all(nodeIds.map((nodeId) => client.get(nodeKey(nodeId))));
      const series: NodeSeries[] = [];
      stored.forEach((json, i) => {
        // Expired between the two steps, or not ours: left out.
        if (typeof json !== 'string') return;
        const samples: unknown = JSON.parse(json);
        if (Array.isArray(samples)) series.push({ nodeId: nodeIds[i]!, samples: samples.filter(isSample) });
      });
      return series;
    },
  };
}
