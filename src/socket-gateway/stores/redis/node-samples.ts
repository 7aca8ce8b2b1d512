import type { NodeSample, NodeSeries, SampleBoard } from '../../observability/metrics-sampler';
import type { RedisStoreClient, RedisStoreOptions } from './client';
import { defineLuaScript } from './lua-script';
import { NODE_SAMPLES_PUBLISH_LUA } from './lua/node-samples-publish';
import { NODE_SAMPLES_LIVE_NODES_LUA } from './lua/node-samples-live-nodes';

/** How long a node's samples outlive its last publish: a stopped node leaves the dashboard after this. */
export const DEFAULT_SAMPLES_TTL_MS = 5_000;

// The scripts' text, with what each takes and replies: ./lua/ (one file each).
const PUBLISH_SCRIPT = defineLuaScript(NODE_SAMPLES_PUBLISH_LUA);
const LIVE_NODES_SCRIPT = defineLuaScript(NODE_SAMPLES_LIVE_NODES_LUA);

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
